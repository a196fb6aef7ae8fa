import Foundation
import SimWatchCore
import SimWatchState

/// How a SIM's growth rate is learned from its own usage polls (DESIGN.md "Fleets at scale").
extension UsageRate {
    /// Seconds in a day: rates are kept per day, so that slow SMS and voice rates stay whole numbers.
    static let secondsPerDay = 86_400.0

    /// The rate after a successful usage poll that read `current` at `at`.
    ///
    /// - Parameters:
    ///   - previous: what was learned before; `nil` for a SIM never polled (or a file written before rates).
    ///   - previousPoll: when the SIM was last polled if `previous` is `nil` (an older file's `observed_at`).
    ///   - last: the stored record before this poll; its counters are those of the previous poll.
    ///
    /// A rate needs two polls of one billing cycle that are apart in time: after a counter
    /// went down (a new cycle), or when the clock stood still or went backwards, the
    /// earlier rate is kept and only the poll's time moves. Each counter's growth is
    /// averaged with the earlier rate, so one odd interval does not swing the schedule.
    public static func learned(
        previous: UsageRate?, previousPoll: Date?, last: DeviceUsage?, current: DeviceUsage, at: Date
    ) -> UsageRate {
        guard let last, let polledAt = previous?.polledAt ?? previousPoll else { return UsageRate(polledAt: at) }
        let elapsed = at.timeIntervalSince(polledAt)
        let carried = UsageRate(polledAt: at, perDay: previous?.perDay)
        guard elapsed.isFinite, elapsed > 0, !countersWentDown(from: last, to: current) else { return carried }
        var perDay: [Metric: Int64] = [:]
        for metric in Metric.allCases {
            // Once a rate is known, a metric absent from it did not grow.
            let earlier = previous?.perDay.map { $0[metric] ?? 0 }
            guard let before = last.counter(metric), let after = current.counter(metric) else {
                // Unknown in this answer: keep what was known about the metric.
                if let earlier, earlier > 0 { perDay[metric] = earlier }
                continue
            }
            // In Double: the difference of two Int64 counters may not fit an Int64.
            let sample = bounded((Double(after) - Double(before)) / elapsed * secondsPerDay)
            let smoothed = earlier.map { sample / 2 + $0 / 2 } ?? sample
            if smoothed > 0 { perDay[metric] = smoothed }
        }
        return UsageRate(polledAt: at, perDay: perDay)
    }

    /// The rate after an attempt that reached the SIM but found nothing to read (404): the
    /// attempt counts as a poll for the schedule, so a missing SIM is not retried every cycle.
    public static func attempted(previous: UsageRate?, at: Date) -> UsageRate {
        UsageRate(polledAt: at, perDay: previous?.perDay)
    }

    /// A per-day growth as a whole number in `0...maxPerDay`; NaN and negative are 0.
    static func bounded(_ perDay: Double) -> Int64 {
        guard perDay > 0 else { return 0 }
        // maxPerDay is 2^53, exact in a Double, so the conversion below never traps.
        return perDay >= Double(maxPerDay) ? maxPerDay : Int64(perDay.rounded())
    }

    /// Any counter known in both records went down: a new billing cycle.
    static func countersWentDown(from old: DeviceUsage, to new: DeviceUsage) -> Bool {
        Metric.allCases.contains { metric in
            guard let before = old.counter(metric), let after = new.counter(metric) else { return false }
            return after < before
        }
    }
}
