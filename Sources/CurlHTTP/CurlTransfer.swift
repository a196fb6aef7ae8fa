import CCurl
import Foundation

/// One easy handle on the transfer thread, and the request it carries now: what libcurl
/// writes back, and the caller.
///
/// Confined to the transfer thread. libcurl's callbacks reach it through a pointer retained in
/// `configure` and released when the handle is cleared, so it outlives every callback. It
/// outlives its request too: the engine keeps it for a later one, which it carries without
/// setting the handle up again when only the URL differs (`RequestShape`).
final class CurlTransfer {
    private(set) var id: TransferID = 0
    /// The easy handle (`CURL*`), reset by `clear` and freed by `close`.
    let easy: UnsafeMutableRawPointer
    /// The request URL (what the handle is pointed at) and password, kept to build a
    /// `RedactedURL` when an error needs one.
    private var url = ""
    private var password: String?
    private var timeout: Duration = .zero
    private var connectTimeout: Duration = .zero
    private var maxResponseBytes = 0
    private var continuation: ResponseContinuation?
    /// What the handle is set up for apart from the URL; nil when the next request must set
    /// it up afresh (after a reset, an e-mail, a request with a body or a failed set-up).
    private var shape: RequestShape?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var retainedForCallbacks: Unmanaged<CurlTransfer>?
    // What libcurl's callbacks write, a dozen times per answer. They run on the transfer
    // thread, one at a time, as everything else that touches these does, so the run-time
    // exclusivity check (a list walk per access, the compiler cannot see through a C
    // callback) would guard against nothing.
    @exclusivity(unchecked) private var body = Data()
    @exclusivity(unchecked) private var responseHeaders = ResponseHeaders()
    @exclusivity(unchecked) private var bodyLimitExceeded = false
    @exclusivity(unchecked) private var reservedBody = false
    /// An e-mail's recipients (`CURLOPT_MAIL_RCPT`), freed with the header list.
    var recipientList: UnsafeMutablePointer<curl_slist>?
    /// An e-mail's message and how much of it libcurl has read.
    var upload = Data()
    var uploaded = 0

    init(easy: UnsafeMutableRawPointer) {
        self.easy = easy
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    /// Takes on the next request: its caller, what its errors need, and nothing of the last answer.
    func begin(id: TransferID, request: TransferRequest, continuation: ResponseContinuation) {
        assert(self.continuation == nil, "transfer begun while its caller waits")
        self.id = id
        self.continuation = continuation
        switch request {
        case .http(let request):
            url = request.url
            password = request.basicAuth?.password
            timeout = request.timeout
            connectTimeout = request.connectTimeout
            maxResponseBytes = max(0, request.maxResponseBytes)
        case .mail(let mail):
            url = mail.url
            password = mail.login?.password
            timeout = mail.timeout
            connectTimeout = mail.connectTimeout
            // An SMTP server sends no body; anything written is a few bytes of nothing.
            maxResponseBytes = 64 * 1024
        }
        body = Data()
        responseHeaders = ResponseHeaders()
        bodyLimitExceeded = false
        reservedBody = false
        errorBuffer[0] = 0
    }

    /// Whether the handle is set up for this request but for its URL.
    func isShaped(for request: TransferRequest) -> Bool {
        guard let shape, case .http(let request) = request else { return false }
        return shape.matches(request)
    }

    /// Points the handle, set up for a request of the same shape, at the URL of the request
    /// just begun. Its scheme is the shape's, and libcurl parses it when the transfer starts:
    /// a malformed one fails the transfer with the parser's reason, as `configure` would.
    func retarget() throws(HTTPClientError) {
        try check(simwatch_curl_set_url(easy, url))
    }

    /// Sets every option on the easy handle; throws `HTTPClientError` for a request we refuse to send.
    ///
    /// Call on a fresh or cleared handle only.
    func configure(with request: TransferRequest) throws(HTTPClientError) {
        assert(shape == nil, "configure on a handle that was not cleared")
        let (scheme, failure) = RedactedURL.scheme(of: url)
        if let failure { throw .invalidURL(failure) }
        switch request {
        case .http(let request):
            guard let scheme, scheme == "http" || scheme == "https" else {
                throw .unsupportedProtocol(scheme ?? "(none)")
            }
            try configureCallbacks()
            try configureHTTP(request)
            shape = RequestShape(request, scheme: scheme)
        case .mail(let mail):
            guard let scheme, scheme == "smtp" || scheme == "smtps", let security = MailRequest.security(of: mail.url) else {
                throw .invalidURL("an e-mail needs an smtp:// or smtps:// URL")
            }
            try configureCallbacks()
            try configureMail(mail, security: security)
        }
    }

    /// The context pointer, the error buffer and the response callbacks every transfer has.
    private func configureCallbacks() throws(HTTPClientError) {
        let context = Unmanaged.passRetained(self)
        retainedForCallbacks = context
        try check(simwatch_curl_set_context(easy, context.toOpaque()))
        try check(simwatch_curl_set_error_buffer(easy, errorBuffer))
        try check(simwatch_curl_set_write_callback(easy, { data, size, count, context in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
            return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
        }, context.toOpaque()))
        try check(simwatch_curl_set_header_callback(easy, { data, size, count, context in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
            transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }, context.toOpaque()))
    }

    private func configureHTTP(_ request: HTTPRequest) throws(HTTPClientError) {
        try check(simwatch_curl_set_safe_defaults(easy, "http,https"))
        try check(simwatch_curl_set_url(easy, url))
        try setMethodAndBody(request.method, request.body)
        try setHeaders(request.headers, basicAuth: request.basicAuth, hasBody: Self.sendsBody(request.method, request.body))
        try check(simwatch_curl_set_timeouts_ms(
            easy, Self.milliseconds(request.timeout), Self.milliseconds(request.connectTimeout)))
        if maxResponseBytes > 0 {
            try check(simwatch_curl_set_max_response_bytes(easy, curl_off_t(maxResponseBytes)))
        }
    }

    /// The response, or the `HTTPClientError` for libcurl's result code.
    func outcome(of code: CURLcode) -> Result<HTTPResponse, any Error> {
        guard code == CURLE_OK else {
            return .failure(CurlErrorMapping.error(
                for: code,
                detail: String(cString: errorBuffer),
                url: RedactedURL(url, password: password),
                timeout: timeout,
                connectTimeout: connectTimeout,
                maxResponseBytes: maxResponseBytes,
                bodyLimitExceeded: bodyLimitExceeded
            ))
        }
        let status = simwatch_curl_response_status(easy)
        return .success(HTTPResponse(status: status, received: responseHeaders, body: body))
    }

    /// Resumes the caller; later calls do nothing.
    func resume(with outcome: Result<HTTPResponse, any Error>) {
        continuation?.resume(with: outcome)
        continuation = nil
    }

    /// Ends the request once its caller has been resumed and the handle is off the multi
    /// handle: a handle that cannot carry another request of its shape is cleared at once,
    /// so no e-mail login or body outlives its transfer.
    func finish() {
        assert(continuation == nil, "transfer finished before its caller was resumed")
        body = Data()
        responseHeaders = ResponseHeaders()
        if shape == nil { clear() }
    }

    /// Puts the handle back to libcurl's defaults and frees everything handed to it: no
    /// option, callback, header list or credential survives, only libcurl's caches do.
    func clear() {
        curl_easy_reset(easy)
        shape = nil
        releaseOptions()
    }

    /// Frees the handle and everything handed to it. Call once, last.
    func close() {
        assert(continuation == nil, "transfer closed before its caller was resumed")
        curl_easy_cleanup(easy)
        shape = nil
        releaseOptions()
        errorBuffer.deallocate()
    }

    /// After the reset or cleanup of the handle: it no longer points at any of these.
    private func releaseOptions() {
        curl_slist_free_all(headerList)
        headerList = nil
        curl_slist_free_all(recipientList)
        recipientList = nil
        upload = Data()
        retainedForCallbacks?.release()
        retainedForCallbacks = nil
    }

    // MARK: - Request options

    private func setMethodAndBody(_ method: String, _ body: Data?) throws(HTTPClientError) {
        guard !method.isEmpty, method.utf8.allSatisfy(Self.isTokenByte) else {
            throw .transport(code: Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue), message: "invalid HTTP method name")
        }
        switch method {
        case "GET" where body == nil:
            try check(simwatch_curl_set_method_get(easy))
        case "HEAD":
            try check(simwatch_curl_set_method_head(easy))
        default:
            if Self.sendsBody(method, body) {
                let bytes = body ?? Data()
                try check(bytes.withUnsafeBytes { simwatch_curl_set_body_copy(easy, $0.baseAddress, curl_off_t($0.count)) })
            }
            if method != "POST" {
                try check(simwatch_curl_set_custom_method(easy, method))
            }
        }
    }

    /// Whether the request goes out with a body: any that has one but a HEAD, and every POST
    /// (an empty one without).
    private static func sendsBody(_ method: String, _ body: Data?) -> Bool {
        method != "HEAD" && (body != nil || method == "POST")
    }

    private func setHeaders(
        _ headers: [(name: String, value: String)], basicAuth: BasicAuth?, hasBody: Bool
    ) throws(HTTPClientError) {
        var lines: [String] = []
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else {
                throw .transport(code: Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue), message: "invalid header name")
            }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw .transport(
                    code: Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue),
                    message: "value of header \(name) contains a line break")
            }
            // "Name:" would make libcurl drop the header; "Name;" sends it empty.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // The credentials as the header libcurl would make of them (RFC 7617), made once per
        // set-up: given a user name and password, libcurl formats and encodes them anew for
        // every request, in two calls of its printf (7 % of a poll's instructions).
        // A request's own Authorization header wins, as it does in libcurl.
        if let basicAuth, !headers.contains(where: { Self.isNamed($0.name, "authorization") }) {
            let credentials = Data("\(basicAuth.username):\(basicAuth.password)".utf8).base64EncodedString()
            lines.append("Authorization: Basic \(credentials)")
        }
        // libcurl sends "Expect: 100-continue" before larger bodies and waits up to a second
        // for servers (most webhooks) that never answer it. A request without a body has
        // nothing to announce: one header fewer for libcurl to look through per request.
        if hasBody, !headers.contains(where: { Self.isNamed($0.name, "expect") }) {
            lines.append("Expect:")
        }
        for line in lines {
            guard let list = curl_slist_append(headerList, line) else {
                throw .transport(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "out of memory building headers")
            }
            headerList = list
        }
        try check(simwatch_curl_set_headers(easy, headerList))
    }

    func check(_ code: CURLcode) throws(HTTPClientError) {
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            throw .transport(code: Int(code.rawValue), message: "could not set up the transfer: \(reason)")
        }
    }

    // MARK: - Callbacks

    /// Returning less than offered makes libcurl abort with CURLE_WRITE_ERROR.
    private func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard body.count + bytes.count <= maxResponseBytes else {
            bodyLimitExceeded = true
            return 0
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    private func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        responseHeaders.receive(bytes)
        if body.isEmpty, !reservedBody, let length = responseHeaders.announcedLength, length <= maxResponseBytes {
            // One allocation for the whole body instead of doubling as it arrives.
            body.reserveCapacity(length)
            reservedBody = true
        }
    }

    // MARK: - Helpers

    /// Characters allowed in a method or header name (RFC 9110 `token`).
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Whether a header name is `lowercase` in any case, compared on bytes.
    private static func isNamed(_ name: String, _ lowercase: StaticString) -> Bool {
        var name = name
        return name.withUTF8 { ResponseHeaders.equalsIgnoringCase($0, lowercase) }
    }

    /// libcurl treats 0 as "no timeout", so anything shorter than a millisecond becomes 1 ms.
    ///
    /// Not `Duration.wholeMilliseconds`: CurlHTTP sits below SimWatchCore and imports none of it.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds < Int64.max / 1_000 else { return Int.max }
        let total = seconds * 1_000 + attoseconds / 1_000_000_000_000_000
        return Int(max(1, total))
    }
}
