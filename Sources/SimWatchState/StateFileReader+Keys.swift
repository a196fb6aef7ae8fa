import SimWatchCore

/// The keys of a device's line, in the order `StateCodec` writes them.
enum DeviceKey: Int {
    case observation, observedAt, notFound, thresholds, flapping, usageRate, insight, last

    var name: StaticString {
        switch self {
        case .observation: "observation"
        case .observedAt: "observed_at"
        case .notFound: "not_found"
        case .thresholds: "thresholds"
        case .flapping: "flapping"
        case .usageRate: "usage_rate"
        case .insight: "insight"
        case .last: "last"
        }
    }

    /// The key `key` names; `nil` for one this build does not know (skipped).
    static func named(_ key: JSONScanner.Key) -> DeviceKey? {
        var candidate = DeviceKey(rawValue: 0)
        while let known = candidate {
            if key.matches(known.name) { return known }
            candidate = DeviceKey(rawValue: known.rawValue + 1)
        }
        return nil
    }
}
