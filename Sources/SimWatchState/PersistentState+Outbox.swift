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
        withOutbox { $0.enqueue(events, at: now, routing: routing) }
    }

    /// Records a 2xx from `webhook` for these events; entries with nothing pending leave.
    public mutating func markDelivered(eventIDs: some Sequence<String>, webhook: String) {
        withOutbox { $0.markDelivered(eventIDs, webhook: webhook) }
    }

    /// Gives up delivering these events to `webhook`: they move to the dead letters.
    ///
    /// Returns the dead letters added. Ids not pending for that webhook are ignored.
    @discardableResult
    public mutating func deadLetter(eventIDs: some Sequence<String>, webhook: String, reason: String, at now: Date) -> [DeadLetter] {
        withOutbox { $0.deadLetter(eventIDs, webhook: webhook, reason: reason, at: now).letters }
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
        withOutbox { $0.deadLetterExpired(maxAge: maxAge, now: now, reason: reason, mayExpire: mayExpire) }
    }

    /// Forgets devices that are no longer configured. Their undelivered events stay in the outbox.
    ///
    /// Removes in place, and touches nothing when every record stays: a start with
    /// 100,000 devices must not build a second dictionary of them just to keep them all.
    public mutating func prune(keeping isKept: (String) -> Bool) {
        for iccid in devices.keys.filter({ !isKept($0) }) { devices.removeValue(forKey: iccid) }
    }

    /// Runs one `Outbox` operation on this state's outbox and dead letters.
    private mutating func withOutbox<T>(_ body: (inout Outbox) -> T) -> T {
        var box = Outbox(entries: outbox, deadLetters: deadLetters)
        let result = body(&box)
        outbox = box.entries
        deadLetters = box.deadLetters
        return result
    }
}
