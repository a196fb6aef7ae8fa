import SimWatchCore

/// Whether a slow Control Center request fits in the systemd watchdog period.
///
/// DESIGN.md: "Configuration validation warns when `timeout` × 3 plus backoff exceeds half
/// the watchdog". A pure function of its inputs, so the rule is tested as a table.
public enum WatchdogBudget {
    /// The shipped unit's `WatchdogSec=2min`, used when `WATCHDOG_USEC` is not set.
    public static let unitDefault = Duration.seconds(120)
    /// Tries of one request the budget counts.
    public static let attempts = 3
    /// The longest `WATCHDOG_USEC` taken from the environment: 30 days. Longer (or garbage)
    /// is ignored, as systemd would never set it.
    static let longestPeriodMicroseconds: UInt64 = 30 * 86_400 * 1_000_000

    /// `WATCHDOG_USEC` when it is a sane number of microseconds, else the unit's default.
    public static func period(environment: [String: String]) -> Duration {
        guard let text = environment["WATCHDOG_USEC"], !text.isEmpty, text.count <= 20,
              text.allSatisfy({ $0.isASCII && $0.isNumber }), let microseconds = UInt64(text),
              microseconds > 0, microseconds <= longestPeriodMicroseconds
        else { return unitDefault }
        return .microseconds(Int64(microseconds))
    }

    /// The longest one Control Center request may take in the worst case: every try runs
    /// into `timeout`, with the retry policy's longest backoff (jitter included) between tries.
    ///
    /// Inputs are clamped (timeout and delays to a day, jitter to 0...1) so that no value traps.
    public static func worstCase(timeout: Duration, retry: RetryPolicy = RetryPolicy()) -> Duration {
        let day = Duration.seconds(86_400)
        let jitter = retry.jitter.isFinite ? min(max(retry.jitter, 0), 1) : 0
        var backoff = Duration.zero
        for attempt in 1..<attempts {
            let nominal = min(max(retry.baseDelay, .zero) * (1 << (attempt - 1)), max(retry.maxDelay, .zero), day)
            backoff += nominal * (1 + jitter)
        }
        return min(max(timeout, .zero), day) * attempts + backoff
    }

    /// A warning when the worst case exceeds half of `watchdog`, else `nil`.
    public static func warning(timeout: Duration, watchdog: Duration, retry: RetryPolicy = RetryPolicy()) -> String? {
        let worst = worstCase(timeout: timeout, retry: retry)
        guard worst > watchdog / 2 else { return nil }
        let backoff = worst - min(max(timeout, .zero), .seconds(86_400)) * attempts
        return "a request that times out \(attempts) times takes up to \(seconds(worst)) "
            + "(\(attempts) × \(HumanFormat.duration(timeout)) plus \(seconds(backoff)) backoff), "
            + "more than half the systemd watchdog period of \(HumanFormat.duration(watchdog)): "
            + "lower timeout or raise WatchdogSec= so that a slow Control Center cannot get simwatch killed"
    }

    /// `91.8s`: tenths matter when the backoff is under two seconds.
    private static func seconds(_ duration: Duration) -> String {
        let (whole, fraction) = duration.components
        return HumanFormat.decimal(Double(whole) + Double(fraction) / 1e18) + "s"
    }
}
