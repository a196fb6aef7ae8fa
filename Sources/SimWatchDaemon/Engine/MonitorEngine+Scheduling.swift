import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor

/// Budgeted polling on the engine: which SIMs a cycle polls.
extension MonitorEngine {
    /// The SIMs whose usage the daemon polls: the configured devices.
    public var usageTargets: [DeviceEntry] { config.devices }

    /// The cycle's polls: every usage target for `once`; for `run`, the scheduler's choice
    /// within the budget of one interval (`PollBudget`), the feed's calls taken off it.
    public func pollPlan(pacing: CyclePacing, feedCallsPerInterval: Int = 0) -> PollPlan {
        let targets = usageTargets
        guard case .spread = pacing else { return PollPlan(devices: targets, deferred: 0) }
        let budget = PollBudget.pollsPerInterval(
            rateLimit: config.controlCenter.rateLimit, interval: config.poll.interval,
            feedCallsPerInterval: feedCallsPerInterval)
        return PollScheduler.plan(
            targets: targets, records: ledger.devices, rules: DetectionRules(config: config), poll: config.poll,
            budget: budget, now: now())
    }
}
