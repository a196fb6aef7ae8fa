import Foundation
import SimWatchCore

/// What budgeted polling learned about one SIM from its own usage polls: when it was last
/// polled and how fast each counter grows.
///
/// Kept apart from `DeviceRecord.observedAt`, which the change feed's partial observations
/// also move: a rate taken over the time since a feed pass would count a whole poll
/// interval's growth in a few minutes.
public struct UsageRate: Codable, Sendable, Equatable, Hashable {
    /// The largest growth per day kept (2^53, the `StateBounds` limit): 100 GB a second
    /// of data, so only damage or hostile counters reach it.
    public static let maxPerDay = Int64(StateBounds.sequenceRange.upperBound)

    /// When the SIM's usage was last polled (a successful answer, or a 404 for it).
    public var polledAt: Date
    /// Growth per day by metric, in base units; `nil` until two polls in one billing cycle
    /// gave a rate. A metric that did not grow is absent.
    public var perDay: [Metric: Int64]?

    public init(polledAt: Date, perDay: [Metric: Int64]? = nil) {
        self.polledAt = polledAt
        self.perDay = perDay
    }

    package enum CodingKeys: String, CodingKey {
        case polledAt = "polled_at"
        case perDay = "per_day"
    }

    // By hand: `per_day` is an object keyed by metric name, as the state file's codec writes it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        polledAt = try container.decode(Date.self, forKey: .polledAt)
        perDay = try container.decodeIfPresent([String: Int64].self, forKey: .perDay).map { named in
            Dictionary(uniqueKeysWithValues: named.compactMap { name, value in Metric(rawValue: name).map { ($0, value) } })
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(polledAt, forKey: .polledAt)
        try container.encodeIfPresent(
            perDay.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key.rawValue, $0.value) }) }, forKey: .perDay)
    }
}

extension UsageRate {
    /// Writes `{"polled_at":"…","per_day":{"data":N,…}}`; `per_day` only once a rate is known.
    package func write(to writer: inout JSONByteWriter) {
        writer.raw("{\"polled_at\":")
        writer.date(polledAt)
        if let perDay {
            writer.raw(",\"per_day\":{")
            var first = true
            for metric in InsightCodec.metrics {
                guard let value = perDay[metric] else { continue }
                if !first { writer.raw(",") }
                first = false
                writer.string(metric.rawValue)
                writer.raw(":")
                writer.int(value)
            }
            writer.raw("}")
        }
        writer.raw("}")
    }

    /// Reads what `write(to:)` wrote; unknown keys and metrics are skipped, numbers outside
    /// `0...maxPerDay` and missing `polled_at` make the file corrupt.
    package static func read(from scanner: inout JSONScanner) throws(StateFormatError) -> UsageRate {
        let start = scanner.index
        var polledAt: Date?
        var perDay: [Metric: Int64]?
        var object = try scanner.beginObject()
        var expected: StaticString = "polled_at"
        while let key = try scanner.nextKey(&object, expecting: expected) {
            if key.matches("polled_at") {
                expected = "per_day"
                polledAt = try scanner.readDate()
            } else if key.matches("per_day") {
                var rates: [Metric: Int64] = [:]
                var metrics = try scanner.beginObject()
                while let name = try scanner.nextKey(&metrics) {
                    _ = scanner.peek()
                    let valueStart = scanner.index
                    let value: Int64 = try scanner.readInt()
                    guard (0...maxPerDay).contains(value) else {
                        throw scanner.error("\"usage_rate.per_day.\(name.text)\" is \(value), outside 0 to 2^53", at: valueStart)
                    }
                    if let metric = name.metric { rates[metric] = value }
                }
                perDay = rates
            } else {
                try scanner.skipValue()
            }
        }
        guard let polledAt, StateBounds.isInRange(polledAt) else {
            throw scanner.error("\"usage_rate\" lacks \"polled_at\", or it is not a time between the years 0000 and 9999", at: start)
        }
        return UsageRate(polledAt: polledAt, perDay: perDay)
    }
}
