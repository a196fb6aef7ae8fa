import CurlHTTP
import Foundation
import SimWatchConfig
import SimWatchCore

/// What one POST to a webhook came to.
public enum DeliveryOutcome: Sendable, Equatable {
    /// A 2xx.
    case delivered(status: Int)
    /// Worth trying again: every answer that is not a 2xx, 400, 413 or 422, and every
    /// transport error, until `max_age`.
    case retry(reason: String, retryAfter: Duration?)
    /// 400 or 422: the receiver refuses this payload. The lane dead-letters the events
    /// after three such answers (`OutboxDelivery.refusalLimit`), retrying in between.
    case rejected(reason: String)
    /// 413: the payload is too large. The lane splits the batch in halves; a single event
    /// answered 413 is dead-lettered.
    case tooLarge(reason: String)
}

/// Posts payloads to one webhook and classifies the answer.
///
/// Reasons name the webhook only by `scheme://host`: answers and transport errors go
/// through `RedactedURL`, which strips the URL's path, segments, query values, user
/// info and the webhook's other secrets (a routing key), also JSON-escaped and
/// percent-encoded.
public struct WebhookSender: Sendable {
    /// The longest `Retry-After` (header or Discord's `retry_after`) a webhook gets.
    public static let retryAfterCap = RetryAfter.webhookCap

    public let webhook: WebhookSettings
    let http: any HTTPClient
    let timeout: Duration

    public init(webhook: WebhookSettings, http: any HTTPClient, timeout: Duration = .seconds(10)) {
        self.webhook = webhook
        self.http = http
        self.timeout = timeout
    }

    /// Posts one payload (an e-mail webhook mails it). Throws only `CancellationError`.
    public func send(_ payload: WebhookPayload) async throws -> DeliveryOutcome {
        if case .email(let email) = webhook.settings {
            return try await mail(payload, settings: email)
        }
        let request = HTTPRequest(
            method: "POST", url: webhook.url.reveal() + payload.urlSuffix,
            headers: [("Content-Type", payload.contentType), ("User-Agent", "simwatch/\(SimWatchVersion.current)")]
                + payload.headers.map { ($0.name, $0.value) },
            body: payload.body, timeout: timeout, maxResponseBytes: 64 * 1024)
        let response: HTTPResponse
        do {
            response = try await http.execute(request)
        } catch let error as HTTPClientError {
            return .retry(reason: webhook.redaction.scrub("\(error)"), retryAfter: nil)
        }
        return Self.classify(response, redaction: webhook.redaction)
    }

    /// Maps an HTTP answer to an outcome; the excerpt in the reason is scrubbed by `redaction`.
    public static func classify(_ response: HTTPResponse, redaction: RedactedURL) -> DeliveryOutcome {
        let status = response.status
        if (200..<300).contains(status) { return .delivered(status: status) }
        let reason = "HTTP \(status): \(redaction.excerpt(response.body))"
        switch status {
        case 400, 422: return .rejected(reason: reason)
        case 413: return .tooLarge(reason: reason)
        default:
            // Anything else, a garbage status included, may be a proxy, an outage or a
            // misconfiguration being fixed: only max_age gives up on it.
            let retryAfter = RetryAfter.parse(response.header("Retry-After"), cap: retryAfterCap)
                ?? discordRetryAfter(response.body) ?? telegramRetryAfter(response.body)
            return .retry(reason: reason, retryAfter: retryAfter)
        }
    }

    /// Discord also says how long to wait in its JSON body: `{"retry_after": 1.5}` (seconds),
    /// bounded like the header; anything else than a number there is ignored.
    public static func discordRetryAfter(_ body: Data) -> Duration? {
        guard body.first(where: { !$0.isASCIIWhitespace }) == UInt8(ascii: "{"),
              let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let number = object["retry_after"] as? NSNumber
        else { return nil }
        return RetryAfter.bounded(seconds: number.doubleValue, cap: retryAfterCap)
    }

    /// Telegram says how long to wait in its JSON body: `{"parameters": {"retry_after": 5}}`
    /// (seconds), bounded like the header; anything else there is ignored.
    public static func telegramRetryAfter(_ body: Data) -> Duration? {
        guard body.first(where: { !$0.isASCIIWhitespace }) == UInt8(ascii: "{"),
              let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let parameters = object["parameters"] as? [String: Any],
              let number = parameters["retry_after"] as? NSNumber
        else { return nil }
        return RetryAfter.bounded(seconds: number.doubleValue, cap: retryAfterCap)
    }
}

extension WebhookSettings {
    /// What may appear of this webhook in messages: its URL's origin, never its path,
    /// query or user info, nor its format's secrets (a routing key).
    public var redaction: RedactedURL {
        RedactedURL(url.reveal(), secrets: settings.secrets.map { $0.reveal() })
    }
}

extension UInt8 {
    fileprivate var isASCIIWhitespace: Bool {
        self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D
    }
}
