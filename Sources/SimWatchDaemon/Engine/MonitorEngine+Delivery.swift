import Foundation
import SimWatchState

/// One event's delivery to one webhook, e.g. as tried by the running process.
struct DeliveryKey: Hashable, Sendable {
    package var eventID: String
    package var webhook: String
}

/// Dead letters just added, and the older ones the 1,000 cap pushed out for them.
struct DeadLettering: Sendable {
    package var letters: [DeadLetter] = []
    /// Oldest first; the caller logs one line for them and counts them.
    var dropped: [DeadLetter] = []
}

extension DeadLettering {
    /// The change from `before` to `after` dead letters when `letters` were appended.
    package init(before: [DeadLetter], letters: [DeadLetter], after: [DeadLetter]) {
        self.letters = letters
        let droppedCount = before.count + letters.count - after.count
        dropped = droppedCount > 0 ? Array((before + letters).prefix(droppedCount)) : []
    }
}

extension MonitorEngine {
    /// Ids of every event in the outbox, saved or not.
    func outboxEventIDs() -> Set<String> {
        Set(state.outbox.map(\.event.id))
    }
}
