import SimWatchCore

/// The key a paging service deduplicates on (PagerDuty's `dedup_key`, Opsgenie's `alias`).
///
/// A condition that a later event clears (an overage limit reached, a failed poll, a
/// flapping SIM) uses a key derived from the firing kind and the ICCID, e.g.
/// `simwatch/overage_limit_changed/8988216716970004975` or `simwatch/poll_failed`, for
/// both the firing and the clearing event, so the clearing one closes what the firing one
/// opened (the firing event's own id cannot be known when it clears). Every other event
/// uses its own id, so a redelivery is deduplicated and nothing else merges.
enum ConditionKey {
    /// The key shared by a condition's firing and clearing events, or the event's own id.
    static func key(for event: Event) -> String {
        guard let firing = firingKind(of: event) else { return event.id }
        return (["simwatch", firing.rawValue] + (event.iccid.map { [$0] } ?? [])).joined(separator: "/")
    }

    /// Whether the event ends a condition: its alert is resolved or closed, not raised.
    static func isClearing(_ event: Event) -> Bool {
        AlertText.isClearing(event)
    }

    /// The kind that opens the condition `event` belongs to; `nil` for one-off events.
    private static func firingKind(of event: Event) -> EventKind? {
        switch event.kind {
        case .overageLimitChanged: .overageLimitChanged
        case .pollFailed, .pollRecovered: .pollFailed
        case .flapping, .flappingEnded: .flapping
        default: nil
        }
    }
}
