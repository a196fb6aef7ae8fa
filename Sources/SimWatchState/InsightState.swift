import Foundation
import SimWatchCore

/// What the insight rules remember about one device: spike baselines and projection marks.
///
/// A few numbers per device and metric, so 100,000 devices add a few megabytes at most;
/// a device the rules never touched writes nothing. `DeviceRecord` keeps the parts in its
/// own box, so a device's marks cost only the array of its baselines.
public struct InsightMarks: Sendable, Equatable, Hashable {
    /// The `usage_spike` baseline of each metric that has one.
    public var spikes: SpikeBaselines
    /// Metrics whose `overage_projected` fired in the cycle starting `projectedCycleStart`.
    public var projected: MetricSet
    public var projectedCycleStart: Date?

    public init(spikes: SpikeBaselines = [:], projected: MetricSet = [], projectedCycleStart: Date? = nil) {
        self.spikes = spikes
        self.projected = projected
        self.projectedCycleStart = projectedCycleStart
    }

    /// Nothing to remember: the device's line in the state file leaves the key out.
    public var isEmpty: Bool { spikes.isEmpty && projected.isEmpty && projectedCycleStart == nil }
}

/// One device's own usual rate of one metric, for `usage_spike`.
public struct SpikeBaseline: Sendable, Equatable, Hashable {
    /// Rates taken into the mean are capped here: the rule only needs to know "at least 3".
    public static let maxRates = 1_000

    /// The exponentially weighted mean of the earlier rates, base units per hour; finite, ≥ 0.
    public var perHour: Double
    /// How many rates the mean holds, up to `maxRates`.
    public var rates: Int
    /// The last `usage_spike` of this metric.
    public var spikedAt: Date?

    public init(perHour: Double = 0, rates: Int = 0, spikedAt: Date? = nil) {
        self.perHour = perHour
        self.rates = rates
        self.spikedAt = spikedAt
    }
}

/// The daemon's recent activity in hourly buckets, for the digest's "last 24 h".
///
/// Kept in the state file so that `simwatch digest --print` after a restart and the daily
/// digest count the same events, cycles and failed polls.
public struct ActivityLog: Codable, Sendable, Equatable, Hashable {
    /// Buckets older than this many hours are dropped.
    public static let keptHours = 26

    /// One hour's counts; `hour` is whole hours since 1970 (UTC).
    public struct Hour: Codable, Sendable, Equatable, Hashable {
        public var hour: Int
        public var cycles: Int
        public var pollsFailed: Int
        /// Events raised, by kind.
        public var events: [String: Int]

        public init(hour: Int, cycles: Int = 0, pollsFailed: Int = 0, events: [String: Int] = [:]) {
            self.hour = hour
            self.cycles = cycles
            self.pollsFailed = pollsFailed
            self.events = events
        }

        enum CodingKeys: String, CodingKey {
            case hour, cycles, events
            case pollsFailed = "polls_failed"
        }
    }

    /// Oldest first.
    public var hours: [Hour]
    /// When the last daily digest was raised; a start after the next due time sends one at once.
    public var lastDigestAt: Date?

    public init(hours: [Hour] = [], lastDigestAt: Date? = nil) {
        self.hours = hours
        self.lastDigestAt = lastDigestAt
    }

    /// Whole hours since 1970 of `date`, clamped to the state file's dates.
    public static func hour(of date: Date) -> Int {
        let seconds = date.timeIntervalSince1970
        let clamped = seconds.isNaN ? 0 : min(max(seconds, -62_167_219_200), 253_402_300_799)
        return Int((clamped / 3600).rounded(.down))
    }

    /// Counts events raised at `date` by kind.
    public mutating func record(events kinds: [EventKind], at date: Date) {
        guard !kinds.isEmpty else { return }
        update(at: date) { hour in
            for kind in kinds { hour.events[kind.rawValue] = (hour.events[kind.rawValue] ?? 0).incrementedSaturating }
        }
    }

    /// Counts a completed poll cycle.
    public mutating func recordCycle(at date: Date) {
        update(at: date) { $0.cycles = $0.cycles.incrementedSaturating }
    }

    /// Counts a failed device poll.
    public mutating func recordFailedPoll(at date: Date) {
        update(at: date) { $0.pollsFailed = $0.pollsFailed.incrementedSaturating }
    }

    /// The sums over the buckets of the 24 hours before `end` (the bucket `end` falls in included).
    public func totals(before end: Date) -> Hour {
        let last = Self.hour(of: end)
        var total = Hour(hour: last - 23)
        for bucket in hours where bucket.hour > last - 24 && bucket.hour <= last {
            total.cycles = Self.add(total.cycles, bucket.cycles)
            total.pollsFailed = Self.add(total.pollsFailed, bucket.pollsFailed)
            for (kind, count) in bucket.events { total.events[kind] = Self.add(total.events[kind] ?? 0, count) }
        }
        return total
    }

    private mutating func update(at date: Date, _ change: (inout Hour) -> Void) {
        let hour = Self.hour(of: date)
        if let index = hours.lastIndex(where: { $0.hour == hour }) {
            change(&hours[index])
        } else {
            var bucket = Hour(hour: hour)
            change(&bucket)
            hours.append(bucket)
            hours.sort { $0.hour < $1.hour }
        }
        hours.removeAll { $0.hour <= hour - Self.keptHours || $0.hour > hour + Self.keptHours }
    }

    private static func add(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    enum CodingKeys: String, CodingKey {
        case hours
        case lastDigestAt = "last_digest_at"
    }
}
