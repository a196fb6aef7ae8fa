import FlyingFox
import Foundation

/// Answers `/metrics` with the Prometheus text and `/healthz` with the health decision.
struct MetricsHTTPHandler: HTTPHandler {
    static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"
    static let textContentType = "text/plain; charset=utf-8"

    let metrics: SimwatchMetrics

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        switch request.path {
        case "/metrics":
            guard let bodyless = Self.isHead(request) else { return Self.methodNotAllowed() }
            return Self.response(.ok, contentType: Self.metricsContentType,
                                 body: bodyless ? Data() : Data(metrics.exposition()))
        case "/healthz":
            guard let bodyless = Self.isHead(request) else { return Self.methodNotAllowed() }
            let (status, text): (HTTPStatusCode, String) = switch metrics.currentHealth() {
            case .healthy: (.ok, "ok\n")
            case .unhealthy(let reason): (.serviceUnavailable, reason + "\n")
            }
            return Self.response(status, contentType: Self.textContentType,
                                 body: bodyless ? Data() : Data(text.utf8))
        default:
            return Self.response(.notFound, contentType: Self.textContentType,
                                 body: Data("not found: simwatch serves /metrics and /healthz\n".utf8))
        }
    }

    /// `false` for GET, `true` for HEAD, `nil` for any other method.
    private static func isHead(_ request: HTTPRequest) -> Bool? {
        switch request.method {
        case .GET: false
        case .HEAD: true
        default: nil
        }
    }

    private static func methodNotAllowed() -> HTTPResponse {
        var response = response(.methodNotAllowed, contentType: textContentType,
                                body: Data("method not allowed: use GET\n".utf8))
        response.headers[HTTPHeader("Allow")] = "GET, HEAD"
        return response
    }

    private static func response(_ status: HTTPStatusCode, contentType: String, body: Data) -> HTTPResponse {
        HTTPResponse(statusCode: status, headers: [.contentType: contentType], body: body)
    }
}
