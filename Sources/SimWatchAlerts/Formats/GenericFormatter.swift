import Foundation
import SimWatchCore

/// DESIGN.md's generic JSON: `{"version": "1", "source": "simwatch", "events": [...]}`.
public struct GenericFormatter: WebhookFormatter {
    /// Events per POST; keeps a message well under common 1 MiB body limits.
    public var maxEventsPerMessage: Int

    public init(maxEventsPerMessage: Int = 100) {
        self.maxEventsPerMessage = maxEventsPerMessage
    }

    struct Body: Encodable {
        package let version = "1"
        package let source = "simwatch"
        package let events: [Event]
    }

    public func payloads(for events: [Event]) throws -> [WebhookPayload] {
        let encoder = JSONEncoder.simwatch()
        return try stride(from: 0, to: events.count, by: maxEventsPerMessage).map { start in
            let chunk = Array(events[start..<min(start + maxEventsPerMessage, events.count)])
            return WebhookPayload(body: try encoder.encode(Body(events: chunk.map(Self.finite))), eventIDs: chunk.map(\.id))
        }
    }

    /// The event without a percent that is no finite number: JSON has none, and the
    /// encoder would refuse the whole message, so the event would never be delivered.
    static func finite(_ event: Event) -> Event {
        var event = event
        if event.thresholdPercent?.isFinite == false { event.thresholdPercent = nil }
        if event.percentOfPlan?.isFinite == false { event.percentOfPlan = nil }
        if event.projectedPercent?.isFinite == false { event.projectedPercent = nil }
        for key in [\Event.ratePerHour, \Event.baselinePerHour, \Event.factor] where event[keyPath: key]?.isFinite == false {
            event[keyPath: key] = nil
        }
        return event
    }
}
