import CCurl

/// Turns a libcurl result into the `HTTPClientError` a caller can act on, with no URL path in it.
enum CurlErrorMapping {
    static func error(
        for code: CURLcode,
        detail: String,
        url: RedactedURL,
        timeout: Duration,
        connectTimeout: Duration,
        maxResponseBytes: Int,
        bodyLimitExceeded: Bool
    ) -> HTTPClientError {
        let reason = url.scrub(detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            // libcurl reports both deadlines with one code; its message tells which one passed.
            let duringConnect = detail.hasPrefix("Connection timed out") || detail.hasPrefix("Resolving timed out")
            return .timedOut(after: duringConnect ? min(connectTimeout, timeout) : timeout)
        case CURLE_COULDNT_RESOLVE_HOST:
            return .hostNotResolved(url.host ?? url.origin)
        case CURLE_COULDNT_RESOLVE_PROXY:
            return .connectionFailed("could not resolve the proxy host (see http_proxy/https_proxy): \(reason)")
        case CURLE_COULDNT_CONNECT:
            return .connectionFailed(reason)
        case CURLE_UNSUPPORTED_PROTOCOL:
            return .unsupportedProtocol(url.scheme ?? "(none)")
        case CURLE_URL_MALFORMAT:
            // A URL handed over without a check of its own (`CurlTransfer.retarget`) fails
            // with the parser's reason, the same words as the check would have used.
            return .invalidURL(url.parseFailure ?? reason)
        case CURLE_FILESIZE_EXCEEDED:
            return .responseTooLarge(limit: maxResponseBytes)
        case CURLE_WRITE_ERROR where bodyLimitExceeded:
            return .responseTooLarge(limit: maxResponseBytes)
        default:
            return .transport(code: Int(code.rawValue), message: "\(url.origin): \(reason)")
        }
    }
}
