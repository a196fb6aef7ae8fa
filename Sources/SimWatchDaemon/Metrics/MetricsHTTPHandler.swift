import FlyingFox
import Foundation

/// Answers `/metrics` with the Prometheus text and `/healthz` with the health decision.
struct MetricsHTTPHandler: HTTPHandler {
    static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"
    static let textContentType = "text/plain; charset=utf-8"

    package let metrics: SimwatchMetrics

    package func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        switch request.path {
        case "/metrics":
            guard request.method == .GET else { return Self.methodNotAllowed() }
            return Self.response(.ok, contentType: Self.metricsContentType, body: Data(metrics.exposition()))
        case "/healthz":
            guard request.method == .GET else { return Self.methodNotAllowed() }
            let (status, text): (HTTPStatusCode, String) = switch metrics.currentHealth() {
            case .healthy: (.ok, "ok\n")
            case .unhealthy(let reason): (.serviceUnavailable, reason + "\n")
            }
            return Self.response(status, contentType: Self.textContentType, body: Data(text.utf8))
        default:
            return Self.response(.notFound, contentType: Self.textContentType,
                                 body: Data("not found: simwatch serves /metrics and /healthz\n".utf8))
        }
    }

    private static func methodNotAllowed() -> HTTPResponse {
        var response = response(.methodNotAllowed, contentType: textContentType,
                                body: Data("method not allowed: use GET\n".utf8))
        response.headers[HTTPHeader("Allow")] = "GET"
        return response
    }

    private static func response(_ status: HTTPStatusCode, contentType: String, body: Data) -> HTTPResponse {
        HTTPResponse(statusCode: status, headers: [.contentType: contentType], body: body)
    }
}
