import CurlHTTP
import Foundation

/// What one POST to a webhook came to.
public enum DeliveryOutcome: Sendable, Equatable {
    /// A 2xx.
    case delivered(status: Int)
    /// Worth trying again: 5xx, 408, 429, timeouts, connection errors.
    case retry(reason: String, retryAfter: Duration?)
    /// Never worth trying again (other 4xx): the events are dead-lettered.
    case rejected(reason: String)
}

/// Posts payloads to one webhook and classifies the answer.
///
/// Errors and reasons name the webhook only by its name and `scheme://host/…`:
/// the URL's path carries the token.
public struct WebhookSender: Sendable {
    public let webhook: WebhookSettings
    private let http: any HTTPClient
    private let timeout: Duration

    public init(webhook: WebhookSettings, http: any HTTPClient, timeout: Duration = .seconds(10)) {
        self.webhook = webhook
        self.http = http
        self.timeout = timeout
    }

    /// Posts one payload. Throws only `CancellationError`.
    public func send(_ payload: WebhookPayload) async throws -> DeliveryOutcome {
        let request = HTTPRequest(
            method: "POST", url: webhook.url.reveal(),
            headers: [("Content-Type", payload.contentType), ("User-Agent", "simwatch/\(SimWatchVersion.current)")],
            body: payload.body, timeout: timeout, maxResponseBytes: 64 * 1024)
        let response: HTTPResponse
        do {
            response = try await http.execute(request)
        } catch let error as HTTPClientError {
            return .retry(reason: scrub("\(error)"), retryAfter: nil)
        }
        return Self.classify(response, secret: webhook.url.reveal())
    }

    /// Maps an HTTP answer to an outcome; `secret` is removed from any excerpt.
    static func classify(_ response: HTTPResponse, secret: String) -> DeliveryOutcome {
        let status = response.status
        if (200..<300).contains(status) { return .delivered(status: status) }
        var excerpt = String(decoding: response.body.prefix(200), as: UTF8.self)
            .replacingOccurrences(of: secret, with: "<redacted>")
        excerpt = String(excerpt.map { $0.isNewline ? " " : $0 })
        let reason = "HTTP \(status): \(excerpt)"
        if status == 408 || status == 429 || status >= 500 {
            let retryAfter = RetryAfter.parse(response.header("Retry-After")) ?? discordRetryAfter(response.body)
            return .retry(reason: reason, retryAfter: retryAfter)
        }
        return .rejected(reason: reason)
    }

    /// Discord also says how long to wait in its JSON body: `{"retry_after": 1.5}` (seconds).
    static func discordRetryAfter(_ body: Data) -> Duration? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let seconds = (object["retry_after"] as? NSNumber)?.doubleValue, seconds.isFinite, seconds >= 0
        else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }

    private func scrub(_ text: String) -> String {
        text.replacingOccurrences(of: webhook.url.reveal(), with: redactedURL(webhook.url))
    }
}
