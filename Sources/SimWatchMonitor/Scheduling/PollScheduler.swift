import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchState

/// The SIMs one cycle polls, in the order it polls them.
public struct PollPlan: Sendable, Equatable {
    public var devices: [DeviceEntry]
    /// Usage targets left for a later cycle (0 when the fleet fits the budget).
    public var deferred: Int

    public init(devices: [DeviceEntry], deferred: Int) {
        self.devices = devices
        self.deferred = deferred
    }
}

/// Which SIMs a cycle polls (DESIGN.md "Fleets at scale", budgeted polling).
///
/// A fleet that fits the budget is polled whole, in its own order, every interval. A
/// larger one polls `budget` SIMs, in this order: never polled; then those whose
/// `max_interval` would run out before the next cycle could reach them (by that deadline);
/// then by due time (`DueTime`), not-yet-due ones included while budget is left. A cycle
/// spreads its polls over one interval, so "before the next cycle could reach them" is
/// within two intervals of the cycle's start. Ties go by ICCID, so that a plan never
/// depends on a dictionary's order.
public enum PollScheduler {
    public static func plan(
        targets: [DeviceEntry], records: [String: DeviceRecord], rules: DetectionRules, poll: PollSettings, budget: Int,
        now: Date
    ) -> PollPlan {
        let budget = max(budget, 1)
        guard targets.count > budget else { return PollPlan(devices: targets, deferred: 0) }
        let longest = max(poll.maxInterval, poll.interval).seconds
        let lookahead = now.addingTimeInterval(2 * poll.interval.seconds)
        var ranked = targets.map { device -> (tier: Int, at: Date, device: DeviceEntry) in
            let record = records[device.iccid]
            guard let polledAt = DueTime.lastPoll(record) else { return (0, .distantPast, device) }
            let deadline = polledAt.addingTimeInterval(longest)
            if deadline <= lookahead { return (1, deadline, device) }
            return (2, DueTime.due(record, rules: rules, poll: poll) ?? .distantPast, device)
        }
        ranked.sort { ($0.tier, $0.at) != ($1.tier, $1.at) ? ($0.tier, $0.at) < ($1.tier, $1.at) : $0.device.iccid < $1.device.iccid }
        return PollPlan(devices: ranked.prefix(budget).map(\.device), deferred: targets.count - budget)
    }

    /// When `status` says a SIM is next due: its last poll plus one interval while the fleet
    /// fits the budget, its own due time when it does not; `nil`: at the next cycle (never polled).
    public static func nextDue(
        _ record: DeviceRecord?, fleetSize: Int, budget: Int, rules: DetectionRules, poll: PollSettings
    ) -> Date? {
        guard fleetSize > max(budget, 1) else {
            return DueTime.lastPoll(record).map { $0.addingTimeInterval(poll.interval.seconds) }
        }
        return DueTime.due(record, rules: rules, poll: poll)
    }
}
