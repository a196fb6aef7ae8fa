import Foundation
import SimWatchCore

/// Discord webhooks: a header line in `content` and one embed per event, at most 10
/// embeds and 6,000 embed characters per message; mentions never ping.
public struct DiscordFormatter: WebhookFormatter {
    static let maxEmbeds = 10
    static let maxEmbedCharacters = 6_000
    static let maxContent = 2_000
    static let maxTitle = 256
    static let maxDescription = 4_096
    static let maxFieldValue = 256

    package let template: EventTemplate?

    /// Discord's own text for every event.
    public init() { template = nil }

    package init(template: EventTemplate?) { self.template = template }

    /// Embed colors: red, amber, blue.
    package static func color(_ severity: Severity) -> Int64 {
        switch severity {
        case .critical: 0xD00000
        case .warning: 0xF2A900
        case .info: 0x2F80ED
        }
    }

    public func payloads(for events: [Event]) throws -> [WebhookPayload] {
        let embeds = events.map(embed)
        let packing = MessagePacking(maxItems: Self.maxEmbeds, maxSize: Self.maxEmbedCharacters)
        let groups = packing.groups(costs: embeds.map(\.characters))
        return groups.enumerated().map { part, range in
            let title = AlertText.batchTitle(for: events, part: part + 1, of: groups.count)
            let body = JSONValue.object([
                ("content", .string(TextFit.fit("**\(title)**", limit: Self.maxContent, measure: .utf16))),
                ("embeds", .array(embeds[range].map(\.json))),
                ("allowed_mentions", .object([("parse", .array([]))])),
            ])
            return WebhookPayload(body: body.data, eventIDs: events[range].map(\.id))
        }
    }

    /// One embed and the characters Discord counts against the message's total.
    struct Embed {
        package var json: JSONValue
        package var characters: Int
    }

    func embed(_ event: Event) -> Embed {
        let title = TextFit.fit(AlertText.headline(of: event), limit: Self.maxTitle, measure: .utf16)
        let fields = AlertText.facts(of: event).filter { $0.name != "Observed" }.map { fact in
            (name: fact.name, value: TextFit.fit(fact.value, limit: Self.maxFieldValue, measure: .utf16, escape: ChatEscape.forDiscord))
        }
        let used = title.utf16.count + fields.reduce(0) { $0 + $1.name.utf16.count + $1.value.utf16.count }
        let limit = min(Self.maxDescription, Self.maxEmbedCharacters - used)
        let templated = template?.text(for: event)
        let description = TextFit.fit(
            templated ?? event.summary, limit: limit, measure: .utf16,
            escape: templated == nil ? ChatEscape.forDiscord : { String($0) }, keep: event.iccid)
        let json = JSONValue.object([
            ("title", .string(title)),
            ("description", .string(description)),
            ("color", .int(Self.color(event.severity))),
            ("timestamp", .string(AlertText.rfc3339(event.observedAt))),
            ("fields", .array(fields.map { field in
                .object([("name", .string(field.name)), ("value", .string(field.value)), ("inline", .bool(true))])
            })),
        ])
        return Embed(json: json, characters: used + description.utf16.count)
    }
}
