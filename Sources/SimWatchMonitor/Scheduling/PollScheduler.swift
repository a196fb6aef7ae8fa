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
/// larger one polls the `budget` SIMs with the earliest due times (`DueTime`), not-yet-due
/// ones included while budget is left, soonest first; ties go by ICCID so that a plan
/// never depends on a dictionary's order.
public enum PollScheduler {
    public static func plan(
        targets: [DeviceEntry], records: [String: DeviceRecord], rules: DetectionRules, poll: PollSettings, budget: Int
    ) -> PollPlan {
        let budget = max(budget, 1)
        guard targets.count > budget else { return PollPlan(devices: targets, deferred: 0) }
        var ranked = targets.map { device in
            (due: DueTime.due(records[device.iccid], rules: rules, poll: poll) ?? .distantPast, device: device)
        }
        ranked.sort { $0.due != $1.due ? $0.due < $1.due : $0.device.iccid < $1.device.iccid }
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
