import Foundation
import SimWatchCore

/// PagerDuty Events API v2: one event per POST.
///
/// Deduplication follows `ConditionKey`: a condition's trigger and its resolve share a
/// key, every other event triggers with its own id.
public struct PagerDutyFormatter: WebhookFormatter {
    static let maxSummary = 1_024

    package let routingKey: Secret

    public init(routingKey: Secret) {
        self.routingKey = routingKey
    }

    public func payloads(for events: [Event]) throws -> [WebhookPayload] {
        events.map { event in
            WebhookPayload(body: body(event).data, eventIDs: [event.id])
        }
    }

    package func body(_ event: Event) -> JSONValue {
        let head: [(String, JSONValue)] = [
            ("routing_key", .string(routingKey.reveal())),
            ("event_action", .string(Self.isResolve(event) ? "resolve" : "trigger")),
            ("dedup_key", .string(Self.dedupKey(for: event))),
        ]
        // PagerDuty reads only the key for a resolve.
        if Self.isResolve(event) { return .object(head) }
        return .object(head + [("payload", Self.payload(event))])
    }

    /// Whether the event closes an incident rather than opening one.
    static func isResolve(_ event: Event) -> Bool {
        ConditionKey.isClearing(event)
    }

    /// The key shared by a condition's trigger and resolve, or the event's own id.
    static func dedupKey(for event: Event) -> String {
        ConditionKey.key(for: event)
    }

    package static func payload(_ event: Event) -> JSONValue {
        .object([
            ("summary", .string(TextFit.fit(event.summary, limit: maxSummary, measure: .utf16, keep: event.iccid))),
            ("source", .string(event.deviceName ?? event.iccid ?? "simwatch")),
            ("severity", .string(event.severity.rawValue)),
            ("timestamp", .string(AlertText.rfc3339(event.observedAt))),
            ("class", .string(event.kind.rawValue)),
            ("custom_details", customDetails(event)),
        ])
    }

    static func customDetails(_ event: Event) -> JSONValue {
        .members([
            ("event_id", .string(event.id)),
            ("kind", .string(event.kind.rawValue)),
            ("iccid", event.iccid.map(JSONValue.string)),
            ("device_name", event.deviceName.map(JSONValue.string)),
            ("labels", event.labels.map { labels in .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }) }),
            ("previous", AlertText.human(event.previous, of: event).map(JSONValue.string)),
            ("current", AlertText.human(event.current, of: event).map(JSONValue.string)),
            ("metric", event.metric.map { .string($0.rawValue) }),
            ("value", AlertText.valueHuman(of: event).map(JSONValue.string)),
            ("threshold", AlertText.thresholdHuman(of: event).map(JSONValue.string)),
            ("percent_of_plan", event.percentOfPlan.map(JSONValue.double)),
            ("observed_at", .string(AlertText.rfc3339(event.observedAt))),
        ])
    }
}
