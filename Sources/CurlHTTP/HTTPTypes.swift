import Foundation

/// An HTTP request as simwatch sends it: no redirects, a capped response, Basic auth out of the URL.
public struct HTTPRequest: Sendable {
    /// HTTP method, e.g. `GET` or `POST`.
    public var method: String
    /// Absolute `http` or `https` URL. Never carries credentials.
    public var url: String
    /// Request headers in the order they are sent.
    public var headers: [(name: String, value: String)]
    /// Request body, if any.
    public var body: Data?
    /// Basic-auth credentials, passed to libcurl apart from the URL.
    public var basicAuth: BasicAuth?
    /// Total time allowed for the transfer.
    public var timeout: Duration
    /// Time allowed to establish the connection.
    public var connectTimeout: Duration
    /// Largest response body accepted; a larger one aborts the transfer.
    public var maxResponseBytes: Int

    public init(
        method: String = "GET",
        url: String,
        headers: [(name: String, value: String)] = [],
        body: Data? = nil,
        basicAuth: BasicAuth? = nil,
        timeout: Duration = .seconds(10),
        connectTimeout: Duration = .seconds(5),
        maxResponseBytes: Int = 1 << 20
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.basicAuth = basicAuth
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
    }
}

/// User name and password for HTTP Basic authentication.
public struct BasicAuth: Sendable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Never shows the password.
    public var description: String { "BasicAuth(\(username), <redacted>)" }
}

/// An HTTP response: status, headers and the whole body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: Data
    /// The fields as given, or as received, kept as bytes until one is read.
    private var fields: Fields

    private enum Fields: Sendable {
        case given([(name: String, value: String)])
        case received(ResponseHeaders)
    }

    public init(status: Int, headers: [(name: String, value: String)] = [], body: Data = Data()) {
        self.status = status
        self.fields = .given(headers)
        self.body = body
    }

    init(status: Int, received headers: ResponseHeaders, body: Data) {
        self.status = status
        self.fields = .received(headers)
        self.body = body
    }

    /// Response headers in the order received (names as sent by the server).
    public var headers: [(name: String, value: String)] {
        get {
            switch fields {
            case .given(let headers): headers
            case .received(let headers): headers.fields
            }
        }
        set { fields = .given(newValue) }
    }

    /// The first value of a header, its name matched without regard to ASCII case (field
    /// names are ASCII tokens).
    public func header(_ name: String) -> String? {
        switch fields {
        case .given(let headers):
            headers.first { ResponseHeaders.equalIgnoringASCIICase($0.name.utf8, name.utf8) }?.value
        case .received(let headers):
            headers.value(of: name)
        }
    }
}

/// Why a transfer did not produce a response.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The transfer took longer than its timeout.
    case timedOut(after: Duration)
    /// The host name could not be resolved.
    case hostNotResolved(String)
    /// The connection was refused or could not be established.
    case connectionFailed(String)
    /// The response body exceeded the cap.
    case responseTooLarge(limit: Int)
    /// The URL's scheme is not http or https.
    case unsupportedProtocol(String)
    /// The URL could not be parsed.
    case invalidURL(String)
    /// The client has been shut down.
    case shutDown
    /// Any other libcurl failure, with libcurl's code and message.
    case transport(code: Int, message: String)

    public var description: String {
        switch self {
        case .timedOut(let after): "request timed out after \(after)"
        case .hostNotResolved(let host): "could not resolve host \(host)"
        case .connectionFailed(let message): "connection failed: \(message)"
        case .responseTooLarge(let limit): "response body larger than \(limit) bytes; transfer aborted"
        case .unsupportedProtocol(let scheme): "unsupported protocol \(scheme); only http and https are allowed"
        case .invalidURL(let message): "invalid URL: \(message)"
        case .shutDown: "HTTP client has been shut down"
        case .transport(let code, let message): "transport error \(code): \(message)"
        }
    }
}

/// Something that performs HTTP requests; `CurlHTTPClient` in production, fakes in tests.
public protocol HTTPClient: Sendable {
    /// Performs the request. Throws `HTTPClientError`, or `CancellationError` when the task is cancelled.
    func execute(_ request: HTTPRequest) async throws -> HTTPResponse

    /// Hands an e-mail to an SMTP server. Throws `HTTPClientError`, or `CancellationError`.
    func send(_ mail: MailRequest) async throws -> MailReceipt

    /// Where a task that sends many requests should run to spare a thread switch per
    /// request (the transfer thread); nil for no preference.
    var taskExecutor: (any TaskExecutor)? { get }
}

extension HTTPClient {
    public var taskExecutor: (any TaskExecutor)? { nil }

    /// A client that speaks only HTTP refuses e-mail.
    public func send(_ mail: MailRequest) async throws -> MailReceipt {
        throw HTTPClientError.unsupportedProtocol("smtp")
    }
}
