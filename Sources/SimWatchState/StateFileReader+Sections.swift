import Foundation
import SimWatchCore

/// The state file's small sections (health, insight, outbox, dead letters, a device's
/// flapping history): Foundation's decoder reads them, then their numbers are bounded.
extension StateFileReader {
    mutating func readHealth() throws(StateFormatError) -> Health {
        _ = scanner.peek()
        let start = scanner.index
        let health = try decodeSmall(Health.self, key: "health")
        guard StateBounds.sequenceRange.contains(health.consecutiveFailedCycles) else {
            throw scanner.error(StateBounds.outOfRange("health.consecutive_failed_cycles", health.consecutiveFailedCycles), at: start)
        }
        guard StateBounds.isInRange(health.lastSuccessfulCycleAt) else {
            throw scanner.error(StateBounds.dateOutOfRange("health.last_successful_cycle_at"), at: start)
        }
        return health
    }

    mutating func readActivity() throws(StateFormatError) -> ActivityLog {
        _ = scanner.peek()
        let start = scanner.index
        let activity = try decodeSmall(ActivityLog.self, key: "insight")
        guard StateBounds.isInRange(activity.lastDigestAt) else {
            throw scanner.error(StateBounds.dateOutOfRange("insight.last_digest_at"), at: start)
        }
        for (index, hour) in activity.hours.enumerated() {
            let counts = [hour.cycles, hour.pollsFailed] + Array(hour.events.values)
            guard counts.allSatisfy(StateBounds.sequenceRange.contains), abs(hour.hour) <= 2_562_047 else {
                throw scanner.error("\"insight.hours[\(index)]\" holds a count outside 0 to 2^53 or an hour beyond the year 9999", at: start)
            }
        }
        return activity
    }

    mutating func readOutbox() throws(StateFormatError) -> [OutboxEntry] {
        _ = scanner.peek()
        let start = scanner.index
        let outbox = try decodeSmall([OutboxEntry].self, key: "outbox")
        for (index, entry) in outbox.enumerated() {
            for (key, date) in [("enqueued_at", entry.enqueuedAt), ("event.observed_at", entry.event.observedAt)]
            where !StateBounds.isInRange(date) {
                throw scanner.error(StateBounds.dateOutOfRange("outbox[\(index)].\(key)"), at: start)
            }
        }
        return outbox
    }

    mutating func readDeadLetters() throws(StateFormatError) -> [DeadLetter] {
        _ = scanner.peek()
        let start = scanner.index
        let letters = try decodeSmall([DeadLetter].self, key: "dead_letters")
        for (index, letter) in letters.enumerated() {
            for (key, date) in [("at", letter.at), ("event.observed_at", letter.event.observedAt)] where !StateBounds.isInRange(date) {
                throw scanner.error(StateBounds.dateOutOfRange("dead_letters[\(index)].\(key)"), at: start)
            }
        }
        return letters
    }

    /// A device's flapping history: at most `StateBounds.maxFlapChanges` changes per field, dates in range.
    mutating func readFlapping() throws(StateFormatError) -> FlapHistory {
        _ = scanner.peek()
        let start = scanner.index
        let history = try decodeSmall(FlapHistory.self, key: "flapping")
        for track in [history.status, history.overage].compactMap({ $0 }) {
            guard track.changes.count <= StateBounds.maxFlapChanges else {
                throw scanner.error("\"flapping\" holds more than \(StateBounds.maxFlapChanges) changes", at: start)
            }
            guard track.changes.allSatisfy({ StateBounds.isInRange($0.at) }), StateBounds.isInRange(track.flappingSince) else {
                throw scanner.error(StateBounds.dateOutOfRange("flapping"), at: start)
            }
        }
        return history
    }

    /// The small sections go through Foundation, which is plenty fast for them.
    mutating func decodeSmall<T: Decodable>(_ type: T.Type, key: String) throws(StateFormatError) -> T {
        let start = scanner.index
        let span = try scanner.skipValue()
        do {
            return try sectionDecoder.decode(T.self, from: Data(span))
        } catch {
            throw scanner.error("\"\(key)\" is not valid: \(error)", at: start)
        }
    }
}
