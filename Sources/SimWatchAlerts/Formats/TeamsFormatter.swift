import Foundation
import SimWatchCore

/// Microsoft Teams Workflows webhooks: an Adaptive Card (version 1.4) per message with a
/// title, then per event a text block and a fact set; at most 28,000 bytes of body.
public struct TeamsFormatter: WebhookFormatter {
    static let maxMessageSize = 28_000
    static let maxEventText = 4_000
    static let maxFactValue = 500

    package let template: EventTemplate?

    /// Teams' own text for every event.
    public init() { template = nil }

    package init(template: EventTemplate?) { self.template = template }

    public func payloads(for events: [Event]) throws -> [WebhookPayload] {
        let elements = events.map(elements)
        let packing = MessagePacking(
            maxItems: .max, maxSize: Self.maxMessageSize,
            overhead: Self.body(title: AlertText.longestBatchTitle(count: events.count), elements: []).byteCount)
        // Each event adds a comma before each of its two elements.
        let groups = packing.groups(costs: elements.map { $0.reduce(0) { $0 + $1.byteCount + 1 } })
        return groups.enumerated().map { part, range in
            let title = AlertText.batchTitle(for: events, part: part + 1, of: groups.count)
            let body = Self.body(title: title, elements: elements[range].flatMap { $0 })
            return WebhookPayload(body: body.data, eventIDs: events[range].map(\.id))
        }
    }

    package static func body(title: String, elements: [JSONValue]) -> JSONValue {
        let titleBlock = JSONValue.object([
            ("type", .string("TextBlock")), ("text", .string(title)), ("weight", .string("bolder")),
            ("size", .string("medium")), ("wrap", .bool(true)),
        ])
        let card = JSONValue.object([
            ("$schema", .string("http://adaptivecards.io/schemas/adaptive-card.json")),
            ("type", .string("AdaptiveCard")), ("version", .string("1.4")),
            ("body", .array([titleBlock] + elements)),
        ])
        return .object([
            ("type", .string("message")),
            ("attachments", .array([.object([
                ("contentType", .string("application/vnd.microsoft.card.adaptive")),
                ("contentUrl", .null), ("content", card),
            ])])),
        ])
    }

    /// The event's text block and fact set.
    package func elements(_ event: Event) -> [JSONValue] {
        let text: String
        if let templated = template?.text(for: event) {
            text = TextFit.fit(templated, limit: Self.maxEventText, measure: .jsonBytes, keep: event.iccid)
        } else {
            let head = "\(AlertText.marker(for: event)) **\(AlertText.title(of: event))**: "
            text = head + TextFit.fit(
                event.summary, limit: Self.maxEventText - TextMeasure.jsonBytes.cost(head),
                measure: .jsonBytes, escape: ChatEscape.forMarkdown, keep: event.iccid)
        }
        let facts = AlertText.facts(of: event).map { fact in
            JSONValue.object([
                ("title", .string(fact.name)),
                ("value", .string(TextFit.fit(fact.value, limit: Self.maxFactValue, measure: .jsonBytes, escape: ChatEscape.forMarkdown))),
            ])
        }
        return [
            .object([("type", .string("TextBlock")), ("text", .string(text)), ("wrap", .bool(true)),
                     ("separator", .bool(true))]),
            .object([("type", .string("FactSet")), ("facts", .array(facts))]),
        ]
    }
}
