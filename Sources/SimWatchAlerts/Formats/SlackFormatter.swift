import Foundation
import SimWatchCore

/// Slack incoming webhooks: Block Kit `blocks` for the channel, `text` for notifications.
///
/// A header block, then one `mrkdwn` section per event; at most 50 blocks per message.
public struct SlackFormatter: WebhookFormatter {
    static let maxBlocks = 50
    static let maxHeaderText = 150
    static let maxSectionText = 3000
    /// Notifications show a line or two; the channel shows the blocks.
    static let maxFallbackText = 300

    package let template: EventTemplate?

    /// Slack's own text for every event.
    public init() { template = nil }

    package init(template: EventTemplate?) { self.template = template }

    public func payloads(for events: [Event]) throws -> [WebhookPayload] {
        let groups = MessagePacking(maxItems: Self.maxBlocks - 1).groups(count: events.count)
        return groups.enumerated().map { part, range in
            let chunk = Array(events[range])
            let header = TextFit.fit(
                AlertText.batchTitle(for: events, part: part + 1, of: groups.count),
                limit: Self.maxHeaderText, measure: .utf16)
            let blocks: [JSONValue] = [
                .object([("type", .string("header")), ("text", .object([
                    ("type", .string("plain_text")), ("text", .string(header)), ("emoji", .bool(true)),
                ]))]),
            ] + chunk.map { event in
                .object([("type", .string("section")), ("text", .object([
                    ("type", .string("mrkdwn")), ("text", .string(sectionText(event))),
                ]))])
            }
            let body = JSONValue.object([("text", .string(Self.fallback(chunk))), ("blocks", .array(blocks))])
            return WebhookPayload(body: body.data, eventIDs: chunk.map(\.id))
        }
    }

    /// `🔴 *Status changed* (critical) · 2026-11-27 10:00 UTC` over the summary, or the template's text.
    func sectionText(_ event: Event) -> String {
        if let text = template?.text(for: event) {
            return TextFit.fit(text, limit: Self.maxSectionText, measure: .utf16, keep: event.iccid)
        }
        let head = "\(AlertText.marker(for: event)) *\(escape(AlertText.title(of: event)))* "
            + "(\(escape(AlertText.severityLabel(of: event)))) · \(AlertText.time(event.observedAt))\n"
        let summary = TextFit.fit(
            event.summary, limit: Self.maxSectionText - TextMeasure.utf16.cost(head), measure: .utf16,
            escape: ChatEscape.forSlack, keep: event.iccid)
        return head + summary
    }

    /// The first event's summary and how many more the message holds.
    static func fallback(_ events: [Event]) -> String {
        guard let first = events.first else { return "" }
        let more = events.count > 1 ? " (and \(events.count - 1) more)" : ""
        let summary = TextFit.fit(
            "\(AlertText.marker(for: first)) \(first.summary)", limit: maxFallbackText - more.utf16.count,
            measure: .utf16, escape: ChatEscape.forSlack, keep: first.iccid)
        return summary + more
    }

    private func escape(_ text: String) -> String {
        ChatEscape.slack.escape(text)
    }
}
