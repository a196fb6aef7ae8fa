import Foundation
import SimWatchCore

/// PagerDuty Events API v2: one event per POST.
///
/// Deduplication: conditions that a later event clears (an overage limit reached, a
/// failed poll) use a key derived from the ICCID and the firing kind, e.g.
/// `simwatch/overage_limit_changed/8988216716970004975` or `simwatch/poll_failed`, for
/// both the trigger and the resolve, so the resolve closes the incident the trigger
/// opened (the firing event's own id cannot be known when it clears). Every other event
/// triggers with its own id, so a redelivery is deduplicated and nothing else merges.
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
        AlertText.isClearing(event)
    }

    /// The key shared by a condition's trigger and resolve, or the event's own id.
    static func dedupKey(for event: Event) -> String {
        let firingKind: EventKind
        switch event.kind {
        case .overageLimitChanged: firingKind = .overageLimitChanged
        case .pollFailed, .pollRecovered: firingKind = .pollFailed
        case .flapping, .flappingEnded: firingKind = .flapping
        default: return event.id
        }
        return (["simwatch", firingKind.rawValue] + (event.iccid.map { [$0] } ?? [])).joined(separator: "/")
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
