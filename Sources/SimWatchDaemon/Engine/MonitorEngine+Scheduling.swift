import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor

/// Budgeted polling on the engine: which of the usage targets a cycle polls.
extension MonitorEngine {
    /// The cycle's polls: every usage target for `once`; for `run`, the scheduler's choice
    /// within one interval's budget (`PollBudget`), the change feed's calls taken off it.
    public func pollPlan(pacing: CyclePacing) -> PollPlan {
        let targets = usageTargets()
        guard case .spread = pacing else { return PollPlan(devices: targets, deferred: 0) }
        warnIfMaxIntervalCannotCover(targets.count)
        return PollScheduler.plan(
            targets: targets, records: ledger.devices, rules: DetectionRules(config: config), poll: config.poll,
            budget: PollBudget.pollsPerInterval(for: config), now: now())
    }

    /// Validation's `max_interval` warning, logged once per fleet size: with discovery, the
    /// configuration cannot know the fleet, so the daemon says it once the inventory is known.
    private func warnIfMaxIntervalCannotCover(_ sims: Int) {
        guard coverageWarnedFor != sims else { return }
        coverageWarnedFor = sims
        guard let warning = PollBudget.coverageWarning(
            sims: sims, rateLimit: config.controlCenter.rateLimit, maxInterval: config.poll.maxInterval)
        else { return }
        logger.warning("poll.max_interval cannot cover the fleet", metadata: ["problem": "\(warning)"])
    }
}
