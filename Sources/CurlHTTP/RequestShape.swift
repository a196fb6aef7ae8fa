import Foundation

/// Everything an easy handle is set up with for an HTTP request without a body, but its URL.
///
/// A cycle sends thousands of requests that differ only in the URL. An easy handle kept from
/// one of them carries the next one of the same shape after a new URL alone: no reset, no
/// dozen options, header list and credentials set again per request.
struct RequestShape {
    let scheme: String
    private let method: String
    private let headers: [(name: String, value: String)]
    private let basicAuth: (username: String, password: String)?
    private let timeout: Duration
    private let connectTimeout: Duration
    private let maxResponseBytes: Int

    /// Nil for a request with a body: its body (and what libcurl made of it) is set up per request.
    init?(_ request: HTTPRequest, scheme: String) {
        guard request.body == nil else { return nil }
        self.scheme = scheme
        method = request.method
        headers = request.headers
        basicAuth = request.basicAuth.map { ($0.username, $0.password) }
        timeout = request.timeout
        connectTimeout = request.connectTimeout
        maxResponseBytes = request.maxResponseBytes
    }

    /// Whether the request differs from this shape in its URL at most, the scheme aside:
    /// a URL of another scheme (or one spelled in capitals) is set up afresh.
    func matches(_ request: HTTPRequest) -> Bool {
        guard request.body == nil, request.method == method, request.timeout == timeout,
              request.connectTimeout == connectTimeout, request.maxResponseBytes == maxResponseBytes,
              request.headers.count == headers.count,
              request.url.utf8.starts(with: scheme.utf8), request.url.utf8.dropFirst(scheme.utf8.count).starts(with: "://".utf8)
        else { return false }
        switch (request.basicAuth, basicAuth) {
        case (nil, nil): break
        case let (auth?, kept?) where auth.username == kept.username && auth.password == kept.password: break
        default: return false
        }
        return zip(request.headers, headers).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}
