import Foundation
import SimWatchCore

/// The arithmetic of budgeted polling (DESIGN.md "Fleets at scale"): how many usage polls
/// one interval holds, and whether `max_interval` can cover a fleet at all.
///
/// In Config because validation warns with it; the scheduler and the daemon (once the
/// inventory is known) use the same functions.
public enum PollBudget {
    /// The share of the rate limit usage polls may plan on; the rest absorbs retries,
    /// pauses and other users of the account.
    public static let share = 0.9

    /// B = rate_limit × interval × 0.9 minus the feed's calls in one interval; at least 1,
    /// so that even a tiny budget makes progress.
    public static func pollsPerInterval(rateLimit: Double, interval: Duration, feedCallsPerInterval: Int = 0) -> Int {
        let planned = callsPerSecond(rateLimit) * max(interval, .zero).seconds * share
        // Bounded below 2^53 before the conversion, so `Int(_:)` never traps.
        let whole = Int(min(planned.isFinite ? planned : 0, 9e15).rounded(.down))
        return max(1, whole - min(max(feedCallsPerInterval, 0), whole))
    }

    /// B for a loaded configuration: its rate and interval, less the change feed's calls in
    /// one interval when nothing much changes (one page per pass).
    public static func pollsPerInterval(for config: Config) -> Int {
        pollsPerInterval(
            rateLimit: config.controlCenter.rateLimit, interval: config.poll.interval,
            feedCallsPerInterval: config.fleet.feedCalls(per: config.poll.interval))
    }

    /// The shortest `max_interval` that covers `sims` usage-polled SIMs (SIMs / (rate_limit × 0.9)),
    /// rounded up to whole minutes.
    public static func shortestMaxInterval(sims: Int, rateLimit: Double) -> Duration {
        let seconds = Double(max(sims, 0)) / (callsPerSecond(rateLimit) * share)
        let minutes = (seconds / 60).rounded(.up)
        // 1e12 minutes is far past any configurable max_interval and far inside Int64.
        return .seconds(Int64(min(max(minutes, 1), 1e12)) * 60)
    }

    /// Whether polling `sims` SIMs at `rateLimit` can reach each of them within `maxInterval`.
    public static func covers(sims: Int, rateLimit: Double, maxInterval: Duration) -> Bool {
        Double(max(sims, 0)) <= callsPerSecond(rateLimit) * share * max(maxInterval, .zero).seconds
    }

    /// The warning when even `max_interval` cannot cover the fleet, naming the shortest one
    /// that can; `nil` when it covers it. The daemon logs the same text once the inventory is known.
    public static func coverageWarning(sims: Int, rateLimit: Double, maxInterval: Duration) -> String? {
        guard !covers(sims: sims, rateLimit: rateLimit, maxInterval: maxInterval) else { return nil }
        let shortest = shortestMaxInterval(sims: sims, rateLimit: rateLimit)
        let fix = shortest <= ConfigBounds.pollMaxInterval.upperBound
            ? "the shortest max_interval that covers them is \(ConfigText.duration(shortest))"
            : "even the longest max_interval (\(ConfigText.duration(ConfigBounds.pollMaxInterval.upperBound))) "
                + "does not: it takes \(ConfigText.duration(shortest)); raise rate_limit if the account allows it"
        return "\(sims) SIMs at \(HumanFormat.decimal(rateLimit)) requests/s (90 % planned) cannot all be polled within "
            + "max_interval \(ConfigText.duration(maxInterval)): some would wait longer; \(fix)"
    }

    /// The rate as the limiter takes it: NaN and values outside the configuration's bounds never reach the arithmetic.
    private static func callsPerSecond(_ rateLimit: Double) -> Double {
        rateLimit.isNaN ? ConfigBounds.rateLimit.lowerBound
            : min(max(rateLimit, ConfigBounds.rateLimit.lowerBound), ConfigBounds.rateLimit.upperBound)
    }
}
