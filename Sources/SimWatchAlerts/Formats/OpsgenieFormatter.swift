import Foundation
import SimWatchConfig
import SimWatchCore

/// Opsgenie Alert API v2: one request per event, authorised by `GenieKey`.
///
/// A firing or one-off event creates an alert (`POST /v2/alerts`); a clearing event
/// (overage cleared, poll recovered, flapping ended) closes the alert its firing event
/// created, by alias (`POST /v2/alerts/{alias}/close?identifierType=alias`). Aliases
/// follow `ConditionKey`, as PagerDuty's dedup keys do. Opsgenie's limits are in
/// characters; they are held in UTF-16 units, which are never fewer.
public struct OpsgenieFormatter: WebhookFormatter {
    static let maxMessage = 130
    static let maxAlias = 512
    static let maxDescription = 15_000
    static let maxNote = 25_000
    static let maxTags = 20
    static let maxTag = 50
    static let maxDetail = 500
    static let maxEntity = 512

    package let apiKey: Secret

    public init(apiKey: Secret) {
        self.apiKey = apiKey
    }

    public func payloads(for events: [Event]) throws -> [WebhookPayload] {
        events.map { event in
            let headers = [PayloadHeader("Authorization", "GenieKey \(apiKey.reveal())")]
            if ConditionKey.isClearing(event) {
                return WebhookPayload(
                    body: Self.closeBody(event).data, eventIDs: [event.id], headers: headers,
                    urlSuffix: Self.closePath(alias: Self.alias(event)))
            }
            return WebhookPayload(body: Self.createBody(event).data, eventIDs: [event.id], headers: headers)
        }
    }

    /// The alias of the alert an event creates or closes.
    static func alias(_ event: Event) -> String {
        TextFit.fit(ConditionKey.key(for: event), limit: maxAlias, measure: .utf16)
    }

    /// `/{alias}/close?identifierType=alias`, the alias percent-encoded as one path segment.
    static func closePath(alias: String) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let segment = alias.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
        return "/\(segment)/close?identifierType=alias"
    }

    /// P1 for critical, P3 for warning, P5 for info.
    static func priority(_ severity: Severity) -> String {
        switch severity {
        case .critical: "P1"
        case .warning: "P3"
        case .info: "P5"
        }
    }

    package static func createBody(_ event: Event) -> JSONValue {
        .members([
            ("message", .string(TextFit.fit(event.summary, limit: maxMessage, measure: .utf16, keep: event.iccid))),
            ("alias", .string(alias(event))),
            ("description", .string(description(event))),
            ("priority", .string(priority(event.severity))),
            ("tags", .array(tags(event).map(JSONValue.string))),
            ("details", details(event)),
            ("entity", event.iccid.map { .string(TextFit.fit($0, limit: maxEntity, measure: .utf16)) }),
            ("source", .string("simwatch")),
        ])
    }

    package static func closeBody(_ event: Event) -> JSONValue {
        .object([
            ("source", .string("simwatch")),
            ("note", .string(TextFit.fit(event.summary, limit: maxNote, measure: .utf16, keep: event.iccid))),
        ])
    }

    /// The summary and one `Name: value` line per fact, cut to Opsgenie's limit.
    static func description(_ event: Event) -> String {
        let facts = AlertText.facts(of: event).map { "\($0.name): \(TextFit.fit($0.value, limit: maxDetail, measure: .utf16))" }
        return TextFit.fit(([event.summary] + facts).joined(separator: "\n"), limit: maxDescription, measure: .utf16, keep: event.iccid)
    }

    /// `simwatch`, the kind and the severity, then the labels as `name:value`: at most 20
    /// tags of at most 50 characters.
    static func tags(_ event: Event) -> [String] {
        let labels = (event.labels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }
        return (["simwatch", event.kind.rawValue, event.severity.rawValue] + labels)
            .prefix(maxTags).map { TextFit.fit($0, limit: maxTag, measure: .utf16) }
    }

    /// Custom properties, strings only, each value cut to 500 characters.
    static func details(_ event: Event) -> JSONValue {
        let pairs: [(String, String?)] = [
            ("event_id", event.id),
            ("kind", event.kind.rawValue),
            ("iccid", event.iccid),
            ("device_name", event.deviceName),
            ("previous", AlertText.human(event.previous, of: event)),
            ("current", AlertText.human(event.current, of: event)),
            ("metric", event.metric?.rawValue),
            ("value", AlertText.valueHuman(of: event)),
            ("threshold", AlertText.thresholdHuman(of: event)),
            ("observed_at", AlertText.rfc3339(event.observedAt)),
        ]
        return .object(pairs.compactMap { key, value in
            value.map { (key, .string(TextFit.fit($0, limit: maxDetail, measure: .utf16))) }
        })
    }
}
