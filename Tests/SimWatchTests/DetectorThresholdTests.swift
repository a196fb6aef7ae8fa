import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchMonitor

@Suite("Detector: thresholds and billing cycles")
struct DetectorThresholdTests {
    typealias F = DetectorFixtures

    static let data500MB = Threshold(metric: .data, level: .absolute(500 * F.megabyte))
    static let data1GB = Threshold(metric: .data, level: .absolute(F.gigabyte), severity: .critical)
    static let data80Percent = Threshold(metric: .data, level: .percent(80), severity: .warning)
    static let data100Percent = Threshold(metric: .data, level: .percent(100), severity: .critical)
    static let plans: [String: PlanAllowance] = [
        "hphlr rp1": PlanAllowance(data: F.gigabyte, sms: 500),
        "big": PlanAllowance(data: 10 * F.gigabyte),
    ]

    /// A run of observations and, per observation, the `kind/key` of every usage event it raised.
    struct Scenario: CustomTestStringConvertible, Sendable {
        var name: String
        var thresholds: [Threshold]
        var records: [DeviceUsage]
        var expected: [[String]]
        var testDescription: String { name }
    }

    static let scenarios: [Scenario] = [
        .init(name: "fires on the first observation", thresholds: [data500MB],
              records: [F.record(data: 600 * F.megabyte)], expected: [["threshold_crossed/data>=500000000"]]),
        .init(name: "fires when the value equals the threshold", thresholds: [data500MB],
              records: [F.record(data: 0), F.record(data: 500 * F.megabyte)],
              expected: [[], ["threshold_crossed/data>=500000000"]]),
        .init(name: "one byte below does not fire", thresholds: [data500MB],
              records: [F.record(data: 500 * F.megabyte - 1)], expected: [[]]),
        .init(name: "fires once per cycle", thresholds: [data500MB],
              records: [F.record(data: 400 * F.megabyte), F.record(data: 600 * F.megabyte), F.record(data: 900 * F.megabyte)],
              expected: [[], ["threshold_crossed/data>=500000000"], []]),
        .init(name: "two thresholds crossed in one poll, in configuration order", thresholds: [data500MB, data1GB],
              records: [F.record(data: 0), F.record(data: 1_200 * F.megabyte)],
              expected: [[], ["threshold_crossed/data>=500000000", "threshold_crossed/data>=1000000000"]]),
        .init(name: "cycle reset while still above re-fires in the same poll", thresholds: [data500MB],
              records: [F.record(data: 900 * F.megabyte), F.record(data: 700 * F.megabyte)],
              expected: [["threshold_crossed/data>=500000000"], ["cycle_reset/", "threshold_crossed/data>=500000000"]]),
        .init(name: "usage drops and rises again", thresholds: [data500MB],
              records: [F.record(data: 600 * F.megabyte), F.record(data: 10 * F.megabyte), F.record(data: 600 * F.megabyte)],
              expected: [["threshold_crossed/data>=500000000"], ["cycle_reset/"], ["threshold_crossed/data>=500000000"]]),
        .init(name: "a drop in another counter re-arms data thresholds", thresholds: [data500MB],
              records: [F.record(data: 600 * F.megabyte, sms: 30), F.record(data: 600 * F.megabyte, sms: 0)],
              expected: [["threshold_crossed/data>=500000000"], ["cycle_reset/", "threshold_crossed/data>=500000000"]]),
        .init(name: "a null counter never crosses", thresholds: [data500MB],
              records: [F.record(data: nil), F.record(data: nil), F.record(data: 600 * F.megabyte)],
              expected: [[], [], ["threshold_crossed/data>=500000000"]]),
        .init(name: "a null counter is no drop", thresholds: [data500MB],
              records: [F.record(data: 600 * F.megabyte), F.record(data: nil), F.record(data: 700 * F.megabyte)],
              expected: [["threshold_crossed/data>=500000000"], [], []]),
        .init(name: "sessions, sms and voice thresholds",
              thresholds: [Threshold(metric: .sessions, level: .absolute(10)), Threshold(metric: .sms, level: .absolute(100)),
                           Threshold(metric: .voice, level: .absolute(3600))],
              records: [F.record(sms: 99, voice: 3599, sessions: nil), F.record(sms: 100, voice: 3600, sessions: 10)],
              expected: [[], ["threshold_crossed/sessions>=10", "threshold_crossed/sms>=100", "threshold_crossed/voice>=3600"]]),
        .init(name: "percent thresholds use the plan allowance", thresholds: [data80Percent, data100Percent],
              records: [F.record(data: 799_999_999), F.record(data: 800 * F.megabyte), F.record(data: F.gigabyte)],
              expected: [[], ["threshold_crossed/data>=80%"], ["threshold_crossed/data>=100%"]]),
        .init(name: "a plan change switches the allowance down", thresholds: [data80Percent],
              records: [F.record(ratePlan: "big", data: 900 * F.megabyte), F.record(data: 900 * F.megabyte)],
              expected: [[], ["rate_plan_changed/", "threshold_crossed/data>=80%"]]),
        .init(name: "a plan change switches the allowance up", thresholds: [data80Percent],
              records: [F.record(data: 700 * F.megabyte), F.record(ratePlan: "big", data: 900 * F.megabyte)],
              expected: [[], ["rate_plan_changed/"]]),
        .init(name: "a missing ratePlan keeps the last known plan", thresholds: [data80Percent],
              records: [F.record(data: 0), F.record(ratePlan: nil, data: 900 * F.megabyte)],
              expected: [[], ["threshold_crossed/data>=80%"]]),
        .init(name: "a plan without the allowance never fires", thresholds: [data80Percent],
              records: [F.record(ratePlan: "unlisted", data: 0), F.record(ratePlan: "unlisted", data: 90 * F.gigabyte)],
              expected: [[], []]),
    ]

    @Test(arguments: scenarios)
    func scenario(_ scenario: Scenario) {
        let rules = DetectionRules(thresholds: scenario.thresholds, plans: Self.plans)
        let detections = F.observeSequence(scenario.records, rules: rules)
        let observed = detections.map { detection in
            detection.events.map { "\($0.kind.rawValue)/\($0.kind == .thresholdCrossed ? key(of: $0) : "")" }
        }
        #expect(observed == scenario.expected)
    }

    /// The key of the threshold an event reports, rebuilt from its fields as a receiver would.
    private func key(of event: Event) -> String {
        guard let metric = event.metric, let threshold = event.threshold else { return "incomplete" }
        let level: Threshold.Level = event.thresholdPercent.map { .percent($0) } ?? .absolute(threshold)
        return Threshold(metric: metric, level: level).key
    }

    @Test(arguments: [
        (data500MB, Severity.warning), (data1GB, .critical), (data80Percent, .warning),
        (Threshold(metric: .sms, level: .absolute(1), severity: .info), .info),
    ])
    func severityComesFromTheThreshold(threshold: Threshold, severity: Severity) throws {
        let rules = DetectionRules(thresholds: [threshold], plans: Self.plans)
        let event = try #require(F.detect(nil, F.record(data: 2 * F.gigabyte, sms: 5), rules: rules).events.first)
        #expect(event.kind == .thresholdCrossed)
        #expect(event.severity == severity)
    }

    @Test func absoluteCrossingCarriesMetricThresholdAndValue() throws {
        let current = F.record(data: 812_300_000)
        let detection = F.detect(F.record(), current, rules: DetectionRules(thresholds: [Self.data500MB]))
        let event = try #require(detection.events.first)
        #expect(event.metric == .data)
        #expect(event.threshold == 500_000_000)
        #expect(event.value == 812_300_000)
        #expect(event.thresholdPercent == nil)
        #expect(event.percentOfPlan == nil)
        #expect(event.previous == nil && event.current == nil)
        #expect(event.device == current)
        #expect(event.summary == "truck-17 (8988216716970004975): data 812.3 MB reached threshold 500 MB")
        #expect(detection.thresholdState.fired == ["data>=500000000"])
    }

    @Test func percentCrossingCarriesLevelAndShare() throws {
        let rules = DetectionRules(thresholds: [Self.data80Percent], plans: Self.plans)
        let detection = F.detect(nil, F.record(data: 812_300_000), rules: rules)
        let event = try #require(detection.events.first)
        #expect(event.threshold == 800_000_000)
        #expect(event.value == 812_300_000)
        #expect(event.thresholdPercent == 80)
        #expect(event.percentOfPlan == 81.2)
        #expect(event.summary == "truck-17 (8988216716970004975): data 812.3 MB of 1 GB (81.2 %) reached 80 % threshold")
        #expect(detection.thresholdState.fired == ["data>=80%"])
        #expect(detection.plansWithoutAllowance.isEmpty)
    }

    @Test(arguments: [
        (F.record(ratePlan: "unlisted"), Metric.data, PlanMetric(ratePlan: "unlisted", metric: .data)),
        (F.record(), Metric.voice, PlanMetric(ratePlan: "hphlr rp1", metric: .voice)),
        (F.record(ratePlan: nil), Metric.data, PlanMetric(ratePlan: nil, metric: .data)),
        (F.record(ratePlan: ""), Metric.data, PlanMetric(ratePlan: nil, metric: .data)),
    ])
    func percentWithoutAllowanceIsReported(record: DeviceUsage, metric: Metric, missing: PlanMetric) {
        var full = record
        full.ctdDataUsage = 90 * F.gigabyte
        full.ctdVoiceUsage = 999_999
        let rules = DetectionRules(thresholds: [Threshold(metric: metric, level: .percent(1))], plans: Self.plans)
        let detection = F.detect(nil, full, rules: rules)
        #expect(detection.events.isEmpty)
        #expect(detection.plansWithoutAllowance == [missing])
        #expect(detection.thresholdState.fired.isEmpty)
    }

    @Test func zeroAllowanceCountsAsNone() {
        let rules = DetectionRules(thresholds: [Self.data80Percent], plans: ["hphlr rp1": PlanAllowance(data: 0)])
        let detection = F.detect(nil, F.record(data: 5), rules: rules)
        #expect(detection.events.isEmpty)
        #expect(detection.plansWithoutAllowance == [PlanMetric(ratePlan: "hphlr rp1", metric: .data)])
    }

    @Test func alreadyFiredThresholdsStaySilent() {
        let rules = DetectionRules(thresholds: [Self.data500MB, Self.data1GB])
        let state = ThresholdState(fired: ["data>=500000000"])
        let detection = F.detect(nil, F.record(data: 2 * F.gigabyte), rules: rules, state: state)
        #expect(detection.events.map(\.threshold) == [F.gigabyte])
        #expect(detection.thresholdState.fired == ["data>=500000000", "data>=1000000000"])
    }

    @Test func duplicateThresholdsFireOnce() {
        let rules = DetectionRules(thresholds: [Self.data500MB, Self.data500MB])
        #expect(F.detect(nil, F.record(data: F.gigabyte), rules: rules).events.count == 1)
    }

    @Test(arguments: [
        (F.gigabyte, 80.0, Int64(800_000_000)),
        (F.gigabyte, 33.3, Int64(333_000_000)),
        (Int64(10), 33.3, Int64(4)),
        (Int64(3), 100.0 / 3, Int64(1)),
        (Int64(500), 12.5, Int64(63)),
        (Int64.max, 200.0, Int64.max),
    ])
    func percentLevelIsTheSmallestWholeValueAtOrAbove(allowance: Int64, percent: Double, level: Int64) throws {
        let threshold = Threshold(metric: .sms, level: .percent(percent))
        let resolved = try #require(Detector.resolve(threshold, ratePlan: "p", plans: ["p": PlanAllowance(sms: allowance)]))
        #expect(resolved.level == level)
    }
}
