import Foundation
import SimWatchCore

/// Google Chat incoming webhooks: `{"text": ...}` with a bold title and one line per
/// event; at most 32,000 bytes of body per message.
public struct GoogleChatFormatter: WebhookFormatter {
    static let maxMessageSize = 32_000
    static let maxLine = 4_000

    package let template: EventTemplate?

    /// Google Chat's own text for every event.
    public init() { template = nil }

    package init(template: EventTemplate?) { self.template = template }

    public func payloads(for events: [Event]) throws -> [WebhookPayload] {
        let lines = events.map(line)
        let packing = MessagePacking(
            maxItems: .max, maxSize: Self.maxMessageSize,
            overhead: Self.body(title: AlertText.longestBatchTitle(count: events.count), lines: []).byteCount)
        // Each line adds an escaped newline (two bytes) before it.
        let groups = packing.groups(costs: lines.map { TextMeasure.jsonBytes.cost($0) + 2 })
        return groups.enumerated().map { part, range in
            let title = AlertText.batchTitle(for: events, part: part + 1, of: groups.count)
            let body = Self.body(title: title, lines: Array(lines[range]))
            return WebhookPayload(body: body.data, eventIDs: events[range].map(\.id))
        }
    }

    package static func body(title: String, lines: [String]) -> JSONValue {
        .object([("text", .string((["*\(title)*"] + lines).joined(separator: "\n")))])
    }

    /// `🔴 *Status changed* (critical) · <summary> · 2026-11-27 10:00 UTC`, or the template's text.
    package func line(_ event: Event) -> String {
        if let text = template?.text(for: event) {
            return TextFit.fit(text, limit: Self.maxLine, measure: .jsonBytes, keep: event.iccid)
        }
        let head = "\(AlertText.marker(for: event)) *\(AlertText.title(of: event))* (\(AlertText.severityLabel(of: event))) · "
        let tail = " · \(AlertText.time(event.observedAt))"
        let budget = Self.maxLine - TextMeasure.jsonBytes.cost(head + tail)
        return head + TextFit.fit(event.summary, limit: budget, measure: .jsonBytes, escape: ChatEscape.forGoogleChat, keep: event.iccid) + tail
    }
}
