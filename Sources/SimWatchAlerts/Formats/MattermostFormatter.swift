import Foundation
import SimWatchCore

/// Mattermost incoming webhooks: Slack-compatible attachments, one per event, colored by
/// severity; a whole message stays within 16,000 characters.
public struct MattermostFormatter: WebhookFormatter {
    /// Counted in bytes of the body, which are never fewer than its characters.
    static let maxMessageSize = 16_000
    static let maxAttachmentText = 4_000
    static let maxFallbackText = 300

    package let template: EventTemplate?

    /// Mattermost's own text for every event.
    public init() { template = nil }

    package init(template: EventTemplate?) { self.template = template }

    /// Attachment bar colors: red, amber, blue.
    package static func color(_ severity: Severity) -> String {
        switch severity {
        case .critical: "#d00000"
        case .warning: "#f2a900"
        case .info: "#2f80ed"
        }
    }

    public func payloads(for events: [Event]) throws -> [WebhookPayload] {
        let attachments = events.map(attachment)
        let packing = MessagePacking(
            maxItems: .max, maxSize: Self.maxMessageSize,
            overhead: Self.body(title: AlertText.longestBatchTitle(count: events.count), attachments: []).byteCount)
        let groups = packing.groups(costs: attachments.map { $0.byteCount + 1 })
        return groups.enumerated().map { part, range in
            let title = AlertText.batchTitle(for: events, part: part + 1, of: groups.count)
            let body = Self.body(title: title, attachments: Array(attachments[range]))
            return WebhookPayload(body: body.data, eventIDs: events[range].map(\.id))
        }
    }

    package static func body(title: String, attachments: [JSONValue]) -> JSONValue {
        .object([("text", .string("**\(title)**")), ("attachments", .array(attachments))])
    }

    func attachment(_ event: Event) -> JSONValue {
        let text: String
        if let templated = template?.text(for: event) {
            text = TextFit.fit(templated, limit: Self.maxAttachmentText, measure: .jsonBytes, keep: event.iccid)
        } else {
            let time = "\n\(AlertText.time(event.observedAt))"
            text = TextFit.fit(
                event.summary, limit: Self.maxAttachmentText - TextMeasure.jsonBytes.cost(time),
                measure: .jsonBytes, escape: ChatEscape.forMarkdown, keep: event.iccid) + time
        }
        let fallback = TextFit.fit(
            "\(AlertText.title(of: event)): \(event.summary)", limit: Self.maxFallbackText,
            measure: .jsonBytes, escape: ChatEscape.forMarkdown, keep: event.iccid)
        return .object([
            ("color", .string(Self.color(event.severity))),
            ("title", .string("\(AlertText.headline(of: event)) (\(AlertText.severityLabel(of: event)))")),
            ("text", .string(text)),
            ("fallback", .string(fallback)),
        ])
    }
}
