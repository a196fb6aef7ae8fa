import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchState

/// When a SIM is next due for a usage poll under budgeted polling (DESIGN.md "Fleets at scale").
///
/// Its last poll plus its own spacing: at least `interval`, at most `max_interval`, and at
/// most half the time its learned rate needs to reach its next threshold or 100 % of its
/// plan. Halving means the poll before a crossing comes ever closer to it, down to one
/// interval. A SIM with one poll only gets a quarter of `max_interval`; no growth, or
/// nothing ahead, gets `max_interval`.
public enum DueTime {
    /// When the SIM was last usage-polled; `nil` when it never was (or only the feed saw it).
    public static func lastPoll(_ record: DeviceRecord?) -> Date? {
        guard let record else { return nil }
        if let rate = record.usageRate { return rate.polledAt }
        // A file written before rates: a record with counters was polled at observed_at.
        guard let last = record.last, Metric.allCases.contains(where: { last.counter($0) != nil }) else { return nil }
        return record.observedAt
    }

    /// The next due time; `nil` for a SIM never polled, which is due at once.
    public static func due(_ record: DeviceRecord?, rules: DetectionRules, poll: PollSettings) -> Date? {
        guard let record, let polledAt = lastPoll(record) else { return nil }
        return polledAt.addingTimeInterval(spacing(record, rules: rules, poll: poll).seconds)
    }

    /// The SIM's own spacing between polls, in `interval...max_interval`.
    public static func spacing(_ record: DeviceRecord, rules: DetectionRules, poll: PollSettings) -> Duration {
        let longest = max(poll.maxInterval, poll.interval)
        guard !record.notFound, let perDay = record.usageRate?.perDay, let last = record.last else {
            return max(longest / 4, poll.interval)
        }
        guard let seconds = secondsToNextLevel(last, perDay: perDay, fired: record.thresholds.fired, rules: rules)
        else { return longest }
        // Bounded: a level 1e15 away at 1 byte a day is far beyond any max_interval.
        let half = Duration.bounded(seconds: seconds / 2, cap: longest) ?? longest
        return max(half, poll.interval)
    }

    /// Seconds until the soonest metric reaches its next armed threshold or 100 % of its plan
    /// at its learned rate; `nil` when no growing metric has anything ahead.
    static func secondsToNextLevel(
        _ last: DeviceUsage, perDay: [Metric: Int64], fired: Set<String>, rules: DetectionRules
    ) -> Double? {
        let ratePlan = Detector.known(last.ratePlan)
        var soonest: Double?
        for metric in Metric.allCases {
            guard let growth = perDay[metric], growth > 0, let value = last.counter(metric),
                  let next = nextLevel(above: value, metric: metric, ratePlan: ratePlan, fired: fired, rules: rules)
            else { continue }
            let seconds = (Double(next) - Double(value)) / (Double(growth) / UsageRate.secondsPerDay)
            soonest = min(soonest ?? seconds, seconds)
        }
        return soonest
    }

    /// The lowest level above `value`: an armed threshold of `metric`, or the plan's allowance.
    static func nextLevel(
        above value: Int64, metric: Metric, ratePlan: String?, fired: Set<String>, rules: DetectionRules
    ) -> Int64? {
        var next: Int64?
        func consider(_ level: Int64) {
            if level > value { next = min(next ?? level, level) }
        }
        for threshold in rules.thresholds where threshold.metric == metric && !fired.contains(threshold.key) {
            if let resolved = Detector.resolve(threshold, ratePlan: ratePlan, plans: rules.plans) { consider(resolved.level) }
        }
        // A plan of 0 has nothing ahead: every value is already past it.
        if let ratePlan, let allowance = rules.plans[ratePlan]?.allowance(for: metric), allowance > 0 {
            consider(allowance)
        }
        return next
    }
}
