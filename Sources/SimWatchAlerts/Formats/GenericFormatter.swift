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
            return WebhookPayload(body: try encoder.encode(Body(events: chunk)), eventIDs: chunk.map(\.id))
        }
    }
}
