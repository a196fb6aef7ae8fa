import Foundation
import SimWatchCore

extension PersistentState {
    /// Adds events to the outbox for the given webhooks; returns how many were added.
    ///
    /// An event whose id is already in the outbox is skipped, so re-enqueuing the events
    /// of a poll repeated after a crash does not deliver them twice.
    @discardableResult
    public mutating func enqueue(_ events: [Event], webhooks: [String], at now: Date) -> Int {
        enqueue(events, at: now) { _ in webhooks }
    }

    /// Adds events to the outbox, each for the webhooks `routing` picks for it.
    ///
    /// Events no webhook wants, and ids already in the outbox, are skipped.
    @discardableResult
    public mutating func enqueue(_ events: [Event], at now: Date, routing: (Event) -> [String]) -> Int {
        var known = Set(outbox.map(\.event.id))
        var added = 0
        for event in events where !known.contains(event.id) {
            let webhooks = Self.unique(routing(event))
            guard !webhooks.isEmpty else { continue }
            outbox.append(OutboxEntry(event: event, pendingWebhooks: webhooks, enqueuedAt: now))
            known.insert(event.id)
            added += 1
        }
        return added
    }

    /// Records a 2xx from `webhook` for these events; entries with nothing pending leave.
    public mutating func markDelivered(eventIDs: some Sequence<String>, webhook: String) {
        removePending(eventIDs: Set(eventIDs), webhook: webhook)
    }

    /// Records a failed attempt for these events and when to try them again.
    public mutating func markAttempted(eventIDs: some Sequence<String>, nextAttemptAt: Date?) {
        let ids = Set(eventIDs)
        for index in outbox.indices where ids.contains(outbox[index].event.id) {
            outbox[index].attempts = outbox[index].attempts.incrementedSaturating
            outbox[index].nextAttemptAt = nextAttemptAt
        }
    }

    /// Gives up delivering these events to `webhook`: they move to the dead letters.
    ///
    /// Returns the dead letters added. Ids not pending for that webhook are ignored.
    @discardableResult
    public mutating func deadLetter(eventIDs: some Sequence<String>, webhook: String, reason: String, at now: Date) -> [DeadLetter] {
        let ids = Set(eventIDs)
        let letters = outbox
            .filter { ids.contains($0.event.id) && $0.pendingWebhooks.contains(webhook) }
            .map { DeadLetter(event: $0.event, webhook: webhook, reason: reason, at: now) }
        removePending(eventIDs: ids, webhook: webhook)
        appendDeadLetters(letters)
        return letters
    }

    /// Dead-letters every delivery enqueued more than `maxAge` before `now` that `mayExpire` allows.
    ///
    /// `mayExpire(eventID, webhook)` lets the caller keep a delivery the running process has
    /// not tried yet: an event restored after a week of downtime gets one try first.
    /// Returns the dead letters added, so the caller can log each at error level.
    @discardableResult
    public mutating func deadLetterExpired(
        maxAge: TimeInterval, now: Date, reason: String,
        mayExpire: (_ eventID: String, _ webhook: String) -> Bool = { _, _ in true }
    ) -> [DeadLetter] {
        // NaN or a negative age would expire everything or nothing by accident; neither is meant.
        let cutoff = now.addingTimeInterval(-(maxAge.isFinite ? max(0, maxAge) : .greatestFiniteMagnitude))
        var letters: [DeadLetter] = []
        for index in outbox.indices where outbox[index].enqueuedAt < cutoff {
            let entry = outbox[index]
            let expiring = entry.pendingWebhooks.filter { mayExpire(entry.event.id, $0) }
            letters += expiring.map { DeadLetter(event: entry.event, webhook: $0, reason: reason, at: now) }
            outbox[index].pendingWebhooks.removeAll { expiring.contains($0) }
        }
        outbox.removeAll { $0.pendingWebhooks.isEmpty }
        appendDeadLetters(letters)
        return letters
    }

    /// Forgets devices that are no longer configured. Their undelivered events stay in the outbox.
    public mutating func prune(keeping iccids: Set<String>) {
        devices = devices.filter { iccids.contains($0.key) }
    }

    private mutating func removePending(eventIDs ids: Set<String>, webhook: String) {
        for index in outbox.indices where ids.contains(outbox[index].event.id) {
            outbox[index].pendingWebhooks.removeAll { $0 == webhook }
        }
        outbox.removeAll { $0.pendingWebhooks.isEmpty }
    }

    private mutating func appendDeadLetters(_ letters: [DeadLetter]) {
        guard !letters.isEmpty else { return }
        deadLetters += letters
        if deadLetters.count > Self.deadLetterLimit {
            deadLetters.removeFirst(deadLetters.count - Self.deadLetterLimit)
        }
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
