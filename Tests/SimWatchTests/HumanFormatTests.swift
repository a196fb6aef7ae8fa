import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore

/// Every `HumanFormat` function takes any value, however hostile, without trapping.
@Suite struct HumanFormatTests {
    @Test(arguments: [
        (0, "0 B"), (512, "512 B"), (999, "999 B"), (1000, "1 KB"), (812_345_678, "812.3 MB"),
        (1_000_000_000, "1 GB"), (Int64.max, "9.2 EB"), (Int64.min, "-9.2 EB"), (-1, "-1 B"),
    ] as [(Int64, String)])
    func bytes(value: Int64, expected: String) {
        #expect(HumanFormat.bytes(value) == expected)
    }

    @Test(arguments: [
        (0, "0s"), (45, "45s"), (60, "1m"), (725, "12m 5s"), (3600, "1h"), (12_000, "3h 20m"),
        (-5, "-5s"), (-725, "-12m 5s"),
        (Int64.max, "2562047788015215h 30m"), (Int64.min, "-2562047788015215h 30m"),
    ] as [(Int64, String)])
    func seconds(value: Int64, expected: String) {
        #expect(HumanFormat.seconds(value) == expected)
    }

    @Test(arguments: [
        (1.2, "2s"), (0, "0s"), (-0.0, "0s"), (.nan, "?"), (.infinity, "2562047788015215h 30m"),
        (-.infinity, "-2562047788015215h 30m"), (1e300, "2562047788015215h 30m"), (-1e300, "-2562047788015215h 30m"),
        (Double(Int64.max), "2562047788015215h 30m"),
    ] as [(Double, String)])
    func secondsOfADouble(value: Double, expected: String) {
        #expect(HumanFormat.seconds(measured: value) == expected)
    }

    @Test(arguments: [
        (Duration.milliseconds(500), "500ms"), (.seconds(30), "30s"), (.seconds(900), "15m"), (.seconds(9000), "2h 30m"),
        (.seconds(Int64.max), "2562047788015215h 30m"), (.seconds(Int64.min), "-2562047788015215h 30m"),
        (.zero, "0s"),
    ])
    func durations(value: Duration, expected: String) {
        #expect(HumanFormat.duration(value) == expected)
    }

    @Test(arguments: [Duration.milliseconds(-500), .nanoseconds(1), .nanoseconds(-1), .milliseconds(Int64.min)])
    func oddDurationsDoNotTrap(value: Duration) {
        #expect(!HumanFormat.duration(value).isEmpty)
    }

    @Test(arguments: [
        (81, "81"), (85.2, "85.2"), (85.25, "85.3"), (0.04, "0"), (-0.04, "0"), (-0.0, "0"), (-2.5, "-2.5"),
        (.nan, "nan"), (.infinity, "inf"), (-.infinity, "-inf"),
        (9_007_199_254_740_992.0 + 1, "9007199254740992"), (9.2e18, "9200000000000000000"),
        (Double(Int64.max), "9223372036854775808"), (-9.3e18, "-9300000000000000000"),
        (Double.leastNonzeroMagnitude, "0"), (1e14 + 0.5, "100000000000000.5"),
    ] as [(Double, String)])
    func decimal(value: Double, expected: String) {
        #expect(HumanFormat.decimal(value) == expected)
    }

    @Test func hugeDecimalsAreWrittenInFullDigits() {
        for value in [1e300, Double.greatestFiniteMagnitude, -1e300] {
            let text = HumanFormat.decimal(value)
            let digits = text.drop(while: { $0 == "-" })
            #expect(digits.allSatisfy { $0.isNumber }, "\(text)")
            #expect(text.count >= 301)
        }
    }

    @Test(arguments: [
        (Double.nan, Int64(0)), (9.3e18, .max), (-9.3e18, .min), (.infinity, .max), (-.infinity, .min),
        (-9_223_372_036_854_775_808.0, .min), (1.9, 1), (-1.9, -1),
    ])
    func clampedInt64(value: Double, expected: Int64) {
        #expect(HumanFormat.clampedInt64(value) == expected)
    }

    @Test(arguments: Metric.allCases)
    func valuesOfEveryMetricAtTheExtremes(metric: Metric) {
        for value in [Int64.min, -1, 0, 1, Int64.max] {
            #expect(!HumanFormat.value(value, of: metric).isEmpty)
        }
    }

    @Test(arguments: [
        (80.0, "data>=80%"), (12.5, "data>=12.5%"), (100_000, "data>=100000%"), (1e300, "data>=1e+300%"),
        (.nan, "data>=nan%"), (.infinity, "data>=inf%"), (9_007_199_254_740_992.0 + 1, "data>=9007199254740992.0%"),
    ] as [(Double, String)])
    func thresholdKeysOfAnyPercent(percent: Double, expected: String) {
        #expect(Threshold(metric: .data, level: .percent(percent)).key == expected)
    }

    @Test(arguments: [0, -1, 1e-300, .nan, .infinity, 100_000] as [Double])
    func summaryOfAHandBuiltConfigDoesNotTrap(rateLimit: Double) {
        let config = Config(
            path: "/x.yaml",
            controlCenter: ControlCenterSettings(baseURL: "https://cc", username: "u", apiKey: Secret("k"), rateLimit: rateLimit),
            poll: PollSettings(interval: .seconds(Int64.max)), stateFile: "/s.json",
            devices: [DeviceEntry(iccid: "8988216716970004975")],
            plans: ["p": PlanAllowance(data: .max, sms: .min, voice: .max, sessions: 0)],
            thresholds: [Threshold(metric: .voice, level: .absolute(.max)), Threshold(metric: .data, level: .percent(.nan))],
            delivery: DeliverySettings(maxAge: .seconds(Int64.max), groupWait: .seconds(Int64.min), maxRate: .nan))
        #expect(config.summary().contains("Devices: 1"))
    }
}
