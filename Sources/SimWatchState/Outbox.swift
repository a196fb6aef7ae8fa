import Foundation
import SimWatchCore

/// One event's delivery to one webhook, e.g. as tried by the running process.
package struct DeliveryKey: Hashable, Sendable {
    package var eventID: String
    package var webhook: String

    package init(eventID: String, webhook: String) {
        self.eventID = eventID
        self.webhook = webhook
    }
}

/// Dead letters just added, and the older ones the 1,000 cap pushed out for them.
package struct DeadLettering: Sendable {
    package var letters: [DeadLetter] = []
    /// Oldest first; the caller logs one line for them and counts them.
    package var dropped: [DeadLetter] = []

    package init() {}

    /// The change from `before` to `after` dead letters when `letters` were appended.
    package init(before: [DeadLetter], letters: [DeadLetter], after: [DeadLetter]) {
        self.letters = letters
        let droppedCount = before.count + letters.count - after.count
        dropped = droppedCount > 0 ? Array((before + letters).prefix(droppedCount)) : []
    }
}

/// The events waiting for webhooks and those given up on, with the rules of their life.
///
/// Owns: enqueue (once per id, only for webhooks that want the event), deliverable only
/// after a save attempt (an event reaches the state file before any webhook sees it),
/// delivered, dead letters (the newest `PersistentState.deadLetterLimit` kept) and
/// expiry after `max_age`, never before one attempt by this process.
package struct Outbox: Sendable, Equatable {
    /// Oldest first, as in the state file.
    package private(set) var entries: [OutboxEntry]
    package private(set) var deadLetters: [DeadLetter]
    /// Ids as of the last save attempt: only these may be delivered.
    private var deliverable: Set<String> = []
    /// Deliveries this process has tried: only these may expire, so an event restored
    /// after a long downtime gets one try before `max_age` gives up on it.
    package private(set) var attempted: Set<DeliveryKey> = []

    package init(entries: [OutboxEntry] = [], deadLetters: [DeadLetter] = []) {
        self.entries = entries
        self.deadLetters = deadLetters
    }

    /// Adds events, each for the webhooks `routing` picks; returns how many were added.
    ///
    /// An id already in the outbox is skipped, so a poll repeated after a crash does not
    /// deliver twice; an event no webhook wants is not kept.
    @discardableResult
    package mutating func enqueue(_ events: [Event], at now: Date, routing: (Event) -> [String]) -> Int {
        var known = Set(entries.map(\.event.id))
        var added = 0
        for event in events where !known.contains(event.id) {
            var seen = Set<String>()
            let webhooks = routing(event).filter { seen.insert($0).inserted }
            guard !webhooks.isEmpty else { continue }
            entries.append(OutboxEntry(event: event, pendingWebhooks: webhooks, enqueuedAt: now))
            known.insert(event.id)
            added += 1
        }
        return added
    }

    /// A save was attempted: what is in the outbox now may be delivered.
    package mutating func markSaved() {
        deliverable = Set(entries.map(\.event.id))
    }

    /// Saved entries still pending for one webhook, oldest first.
    package func pending(for webhook: String) -> [OutboxEntry] {
        entries.filter { $0.pendingWebhooks.contains(webhook) && deliverable.contains($0.event.id) }
    }

    /// Saved events still waiting for any webhook.
    package var pendingCount: Int {
        entries.count { deliverable.contains($0.event.id) }
    }

    /// Records that this process sent these events to `webhook` (whatever the answer).
    package mutating func markTried(_ ids: some Sequence<String>, webhook: String) {
        for id in ids { attempted.insert(DeliveryKey(eventID: id, webhook: webhook)) }
    }

    /// Records a 2xx from `webhook`; entries with nothing pending leave.
    package mutating func markDelivered(_ ids: some Sequence<String>, webhook: String) {
        removePending(Set(ids), webhook: webhook)
    }

    /// Gives up delivering these events to `webhook`: they move to the dead letters.
    @discardableResult
    package mutating func deadLetter(_ ids: some Sequence<String>, webhook: String, reason: String, at now: Date) -> DeadLettering {
        let ids = Set(ids)
        let before = deadLetters
        let letters = entries
            .filter { ids.contains($0.event.id) && $0.pendingWebhooks.contains(webhook) }
            .map { DeadLetter(event: $0.event, webhook: webhook, reason: reason, at: now) }
        removePending(ids, webhook: webhook)
        appendDeadLetters(letters)
        return DeadLettering(before: before, letters: letters, after: deadLetters)
    }

    /// Dead-letters deliveries enqueued more than `maxAge` before `now` that may expire.
    ///
    /// A delivery may expire once this process has tried it, or when its webhook is not in
    /// `webhooks` (no lane will ever try it). Tries of events that left are forgotten.
    @discardableResult
    package mutating func expire(maxAge: TimeInterval, webhooks: Set<String>, now: Date, reason: String) -> DeadLettering {
        let before = deadLetters
        let tried = attempted
        let letters = deadLetterExpired(maxAge: maxAge, now: now, reason: reason) { id, webhook in
            !webhooks.contains(webhook) || tried.contains(DeliveryKey(eventID: id, webhook: webhook))
        }
        if !attempted.isEmpty {
            let ids = Set(entries.map(\.event.id))
            attempted = attempted.filter { ids.contains($0.eventID) }
        }
        return DeadLettering(before: before, letters: letters, after: deadLetters)
    }

    /// Dead-letters every delivery older than `maxAge` that `mayExpire` allows; returns the letters.
    package mutating func deadLetterExpired(
        maxAge: TimeInterval, now: Date, reason: String, mayExpire: (_ eventID: String, _ webhook: String) -> Bool
    ) -> [DeadLetter] {
        // NaN or a negative age would expire everything or nothing by accident; neither is meant.
        let cutoff = now.addingTimeInterval(-(maxAge.isFinite ? max(0, maxAge) : .greatestFiniteMagnitude))
        var letters: [DeadLetter] = []
        for index in entries.indices where entries[index].enqueuedAt < cutoff {
            let entry = entries[index]
            let expiring = entry.pendingWebhooks.filter { mayExpire(entry.event.id, $0) }
            letters += expiring.map { DeadLetter(event: entry.event, webhook: $0, reason: reason, at: now) }
            entries[index].pendingWebhooks.removeAll { expiring.contains($0) }
        }
        entries.removeAll { $0.pendingWebhooks.isEmpty }
        appendDeadLetters(letters)
        return letters
    }

    private mutating func removePending(_ ids: Set<String>, webhook: String) {
        for index in entries.indices where ids.contains(entries[index].event.id) {
            entries[index].pendingWebhooks.removeAll { $0 == webhook }
        }
        entries.removeAll { $0.pendingWebhooks.isEmpty }
    }

    private mutating func appendDeadLetters(_ letters: [DeadLetter]) {
        guard !letters.isEmpty else { return }
        deadLetters += letters
        if deadLetters.count > PersistentState.deadLetterLimit {
            deadLetters.removeFirst(deadLetters.count - PersistentState.deadLetterLimit)
        }
    }
}
