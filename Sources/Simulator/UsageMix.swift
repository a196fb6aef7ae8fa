import Foundation

/// How a generated SIM uses its plan: most of a real fleet sits idle, a few burn through it.
public enum SimulatedUsageProfile: String, Sendable, CaseIterable {
    /// No growth at all: a SIM in a drawer, a meter that reports once a month.
    case idle
    /// ACTIVATED, 2-20 MB an hour: crosses a 1 GB plan in days.
    case steady
    /// ACTIVATED, 100 MB to 2 GB an hour (log-uniform, so a long tail): crosses a plan in hours.
    case hot
}

/// The shares of idle, steady and hot SIMs in a generated fleet.
public struct SimulatedUsageMix: Sendable, Equatable, CustomStringConvertible {
    /// Shares between 0 and 1 that add up to 1.
    public private(set) var idle: Double
    public private(set) var steady: Double
    public private(set) var hot: Double

    /// Weights in any unit (percent, parts); they are scaled to shares.
    /// - Throws: when a weight is negative, not finite, above 1,000,000, or all are zero.
    public init(idle: Double, steady: Double, hot: Double) throws(SimulatedUsageMixError) {
        for (name, weight) in [("idle", idle), ("steady", steady), ("hot", hot)] {
            guard weight.isFinite, weight >= 0, weight <= Self.maximumWeight else {
                throw SimulatedUsageMixError(problem: "\(name) must be a number from 0 to 1000000")
            }
        }
        let total = idle + steady + hot
        guard total > 0 else { throw SimulatedUsageMixError(problem: "at least one share must be above 0") }
        self.init(unchecked: idle / total, steady / total, hot / total)
    }

    private init(unchecked idle: Double, _ steady: Double, _ hot: Double) {
        self.idle = idle
        self.steady = steady
        self.hot = hot
    }

    private static let maximumWeight = 1_000_000.0

    /// 80 % idle, 17 % steady, 3 % hot: the fleet the scale benchmark is measured on.
    public static let heavyTailed = SimulatedUsageMix(unchecked: 0.80, 0.17, 0.03)

    /// Parses `idle=80,steady=17,hot=3` (any order; a missing name is 0) or `80/17/3`.
    public static func parse(_ text: String) throws(SimulatedUsageMixError) -> SimulatedUsageMix {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw SimulatedUsageMixError(problem: "it is empty") }
        var weights: [SimulatedUsageProfile: Double] = [:]
        if trimmed.contains("=") {
            for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
                let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = pair[0].trimmingCharacters(in: .whitespaces)
                guard pair.count == 2, let profile = SimulatedUsageProfile(rawValue: name) else {
                    throw SimulatedUsageMixError(problem: "\"\(part)\" is not idle=N, steady=N or hot=N")
                }
                guard weights[profile] == nil else { throw SimulatedUsageMixError(problem: "\(name) is given twice") }
                weights[profile] = try weight(pair[1], name: name)
            }
        } else {
            let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 3 else { throw SimulatedUsageMixError(problem: "expected three numbers IDLE/STEADY/HOT") }
            for (profile, part) in zip(SimulatedUsageProfile.allCases, parts) {
                weights[profile] = try weight(part, name: profile.rawValue)
            }
        }
        return try SimulatedUsageMix(idle: weights[.idle] ?? 0, steady: weights[.steady] ?? 0, hot: weights[.hot] ?? 0)
    }

    private static func weight(_ text: Substring, name: String) throws(SimulatedUsageMixError) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // Plain decimals only: "nan", "inf", "0x1p3" and "1e300" are not shares anyone means.
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(trimmed), value <= maximumWeight else {
            throw SimulatedUsageMixError(problem: "\(name) must be a number from 0 to 1000000")
        }
        return value
    }

    /// The profile for a uniform roll in `0..<1`.
    func profile(roll: Double) -> SimulatedUsageProfile {
        if roll < hot { return .hot }
        if roll < hot + steady { return .steady }
        return .idle
    }

    public var description: String {
        func percent(_ share: Double) -> String { String(format: "%g", (share * 1000).rounded() / 10) }
        return "idle=\(percent(idle)),steady=\(percent(steady)),hot=\(percent(hot))"
    }
}

/// A usage mix that cannot be used, with what is wrong with it.
public struct SimulatedUsageMixError: Error, Equatable, CustomStringConvertible {
    public var problem: String

    public var description: String {
        "invalid usage mix: \(problem); expected e.g. idle=80,steady=17,hot=3"
    }
}

extension DeviceGenerator {
    /// The usage profile of the device with `index` under `mix`: same seed, index and mix, same profile.
    public static func profile(index: Int, seed: UInt64, mix: SimulatedUsageMix) -> SimulatedUsageProfile {
        var random = stream(index: index, seed: seed, salt: 0x9F0)
        return mix.profile(roll: Double.random(in: 0..<1, using: &random))
    }

    /// Gives a generated device the status, counters and growth of its profile.
    static func apply(_ profile: SimulatedUsageProfile, index: Int, seed: UInt64, to device: inout SimulatedDevice) {
        var random = stream(index: index, seed: seed, salt: 0x6A0)
        switch profile {
        case .idle:
            device.growth = .none
            device.ctdDataUsage = device.status == "ACTIVATED" ? Int64.random(in: 0..<1_000_000, using: &random) : 0
            device.overageLimitReached = false
        case .steady:
            device.status = "ACTIVATED"
            device.ctdDataUsage = Int64.random(in: 0..<300_000_000, using: &random)
            device.growth = UsageGrowth(
                dataBytesPerHour: Double.random(in: 2_000_000..<20_000_000, using: &random),
                smsPerHour: Double.random(in: 0..<2, using: &random),
                voiceSecondsPerHour: Double.random(in: 0..<60, using: &random),
                sessionsPerHour: Double.random(in: 0..<3, using: &random)
            )
        case .hot:
            device.status = "ACTIVATED"
            device.ctdDataUsage = Int64.random(in: 0..<500_000_000, using: &random)
            // Log-uniform over 100 MB..2 GB an hour: most hot SIMs are merely warm, a few are fires.
            let exponent = Double.random(in: 8..<(9 + log10(2)), using: &random)
            device.growth = UsageGrowth(
                dataBytesPerHour: pow(10, exponent),
                smsPerHour: Double.random(in: 0..<10, using: &random),
                voiceSecondsPerHour: Double.random(in: 0..<300, using: &random),
                sessionsPerHour: Double.random(in: 1..<10, using: &random)
            )
        }
    }
}
