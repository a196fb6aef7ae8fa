import CurlHTTP
import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor

/// `simwatch test-alert`: one clearly marked test event through each webhook's formatter and sender.
public enum TestAlert {
    /// One webhook's answer.
    public struct Result: Sendable {
        public var webhook: String
        public var format: WebhookFormat
        /// `scheme://host/…`
        public var target: String
        public var outcome: DeliveryOutcome?
        /// Set when the message could not even be built or sent.
        public var error: String?

        public var succeeded: Bool {
            if case .delivered = outcome { return true }
            return false
        }

        /// One line for the terminal.
        public var line: String {
            let head = "\(webhook) (\(format.rawValue), \(target)): "
            if let error { return head + "FAILED: \(error)" }
            switch outcome {
            case .delivered(let status): return head + "OK, \(format == .email ? "SMTP" : "HTTP") \(status)"
            case .retry(let reason, let retryAfter):
                return head + "FAILED: \(reason)" + (retryAfter.map { " (retry after \(HumanFormat.duration($0)))" } ?? "")
            case .rejected(let reason), .tooLarge(let reason): return head + "FAILED: \(reason)"
            case nil: return head + "FAILED"
            }
        }
    }

    /// Sends the test event to `webhooks`, all at once; results in the webhooks' order.
    public static func send(to webhooks: [WebhookSettings], http: any HTTPClient, at now: Date = Date()) async -> [Result] {
        await send(EventFactory.test(at: now), to: webhooks, http: http)
    }

    /// Sends `event` straight to `webhooks`, past the outbox (`simwatch digest`); results in the webhooks' order.
    public static func send(_ event: Event, to webhooks: [WebhookSettings], http: any HTTPClient) async -> [Result] {
        await withTaskGroup(of: (Int, Result).self) { group in
            for (index, webhook) in webhooks.enumerated() {
                group.addTask { (index, await send(event, to: webhook, http: http)) }
            }
            var results: [(Int, Result)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    private static func send(_ event: Event, to webhook: WebhookSettings, http: any HTTPClient) async -> Result {
        var result = Result(webhook: webhook.name, format: webhook.format, target: redactedURL(webhook.url))
        do {
            let sender = WebhookSender(webhook: webhook, http: http)
            for payload in try webhook.formatter().payloads(for: [event]) {
                let outcome = try await sender.send(payload)
                result.outcome = outcome
                guard case .delivered = outcome else { break }
            }
        } catch {
            result.error = "\(error)"
        }
        return result
    }
}
