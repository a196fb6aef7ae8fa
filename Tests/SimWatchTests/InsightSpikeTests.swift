import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchMonitor
@testable import SimWatchState

private typealias F = DetectorFixtures

/// `usage_spike` as a pure rule over one device's own baseline.
@Suite("Insight: usage spikes")
struct InsightSpikeTests {
    static let start = InsightBillingCycleTests.utc("2026-12-05T00:00:00Z")
    static let hour: TimeInterval = 3600

    /// Feeds hourly increases through the rule; returns the indexes that spiked.
    static func spikes(_ increases: [Int64], factor: Double = 10, minIncrease: Int64 = 10 * F.megabyte,
                       sameCycle: Bool = true, baseline: inout SpikeBaseline) -> [Int] {
        var value: Int64 = 0
        var spiked: [Int] = []
        for (index, increase) in increases.enumerated() {
            let sample = RateSample(previousValue: value, previousAt: start.addingTimeInterval(Double(index) * hour),
                                    value: value + increase, at: start.addingTimeInterval(Double(index + 1) * hour),
                                    sameCycle: sameCycle)
            if SpikeRule.judge(sample, baseline: &baseline, factor: factor, minIncrease: minIncrease) != nil { spiked.append(index) }
            value += increase
        }
        return spiked
    }

    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var increases: [Int64]
        var spiked: [Int]
        var sameCycle = true
        var testDescription: String { name }
    }

    static let mb = F.megabyte
    static let rows: [Row] = [
        Row(name: "a steady SIM never spikes", increases: Array(repeating: 5 * mb, count: 30), spiked: []),
        Row(name: "20 × the rate after 3 earlier rates spikes once", increases: [5 * mb, 5 * mb, 5 * mb, 100 * mb], spiked: [3]),
        Row(name: "with only 2 earlier rates there is no baseline yet", increases: [5 * mb, 5 * mb, 100 * mb], spiked: []),
        Row(name: "9 × the rate is below the factor", increases: [5 * mb, 5 * mb, 5 * mb, 45 * mb], spiked: []),
        Row(name: "a spike below min_increase is none", increases: [100_000, 100_000, 100_000, 5 * mb], spiked: []),
        Row(name: "a second spike within 24 h is not raised", increases: [5 * mb, 5 * mb, 5 * mb, 100 * mb, 5 * mb, 5 * mb, 900 * mb],
            spiked: [3]),
        Row(name: "counters that stay flat give a baseline of 0: waking up is no spike", increases: [0, 0, 0, 0, 50 * mb], spiked: []),
        Row(name: "no rate across billing cycles", increases: [5 * mb, 5 * mb, 5 * mb, 100 * mb], spiked: [], sameCycle: false),
    ]

    @Test("rates against the baseline", arguments: rows)
    func rule(_ row: Row) {
        var baseline = SpikeBaseline()
        #expect(Self.spikes(row.increases, sameCycle: row.sameCycle, baseline: &baseline) == row.spiked)
    }

    @Test("the baseline is the EWMA (α 0.3) of earlier rates, the spike's own rate joins after judging")
    func ewma() throws {
        var baseline = SpikeBaseline()
        _ = Self.spikes([10 * Self.mb, 20 * Self.mb, 10 * Self.mb], baseline: &baseline)
        let expected = 0.3 * 10e6 + 0.7 * (0.3 * 20e6 + 0.7 * 10e6)
        #expect(abs(baseline.perHour - expected) < 1)
        #expect(baseline.rates == 3)
        let sample = RateSample(previousValue: 40 * Self.mb, previousAt: Self.start, value: 240 * Self.mb,
                                at: Self.start.addingTimeInterval(Self.hour), sameCycle: true)
        let spike = try #require(SpikeRule.judge(sample, baseline: &baseline, factor: 10, minIncrease: 0))
        #expect(abs(spike.baselinePerHour - expected) < 1)
        #expect(abs(spike.factor - 200e6 / expected) < 1e-6)
        #expect(abs(baseline.perHour - (0.3 * 200e6 + 0.7 * expected)) < 1)
    }

    @Test("a spike after 24 h quiet is raised again")
    func afterQuietPeriod() {
        var baseline = SpikeBaseline(perHour: 5e6, rates: 10, spikedAt: Self.start)
        let later = Self.start.addingTimeInterval(25 * Self.hour)
        let sample = RateSample(previousValue: 0, previousAt: later, value: 500 * Self.mb, at: later.addingTimeInterval(Self.hour),
                                sameCycle: true)
        #expect(SpikeRule.judge(sample, baseline: &baseline, factor: 10, minIncrease: 0) != nil)
    }

    @Test("hostile samples are bounded: Int64.max, zero and negative elapsed, a drop")
    func hostile() {
        var baseline = SpikeBaseline(perHour: 1, rates: 5)
        let at = Self.start
        let samples = [
            RateSample(previousValue: 0, previousAt: at, value: .max, at: at.addingTimeInterval(1e-3), sameCycle: true),
            RateSample(previousValue: 0, previousAt: at, value: 100, at: at, sameCycle: true),
            RateSample(previousValue: 0, previousAt: at, value: 100, at: at.addingTimeInterval(-60), sameCycle: true),
            RateSample(previousValue: 100, previousAt: at, value: 5, at: at.addingTimeInterval(60), sameCycle: true),
            RateSample(previousValue: -5, previousAt: at, value: 5, at: at.addingTimeInterval(60), sameCycle: true),
            RateSample(previousValue: 0, previousAt: at, value: 5, at: Date(timeIntervalSince1970: .nan), sameCycle: true),
        ]
        for sample in samples {
            _ = SpikeRule.judge(sample, baseline: &baseline, factor: 10, minIncrease: 0)
            #expect(baseline.perHour.isFinite && baseline.perHour >= 0)
        }
        #expect(baseline.rates == 6)
    }

    @Test("through the ledger: the event carries rate, baseline and factor")
    func event() throws {
        var record = DeviceRecord()
        var events: [Event] = []
        for (index, value) in [0, 5, 10, 15, 20, 120].enumerated() {
            let before = record
            let usage = F.record(data: Int64(value) * Self.mb)
            let at = Self.start.addingTimeInterval(Double(index) * Self.hour)
            let detection = DeviceLedger.observe(usage, device: F.named, record: &record, at: at, epoch: F.epoch, rules: DetectionRules())
            events += InsightLedger.observe(usage, device: F.named, before: before, detection: detection, record: &record,
                                            at: at, epoch: F.epoch, rules: InsightRules())
        }
        let spike = try #require(events.first)
        #expect(events.map(\.kind) == [.usageSpike])
        #expect(spike.ratePerHour == 100e6 && spike.baselinePerHour == 5e6 && spike.factor == 20)
        #expect(spike.summary == "truck-17 (\(F.iccid)): data at 100 MB/h, 20 × its usual 5 MB/h (+100 MB since the last poll)")
        #expect(record.insight.spikes[.data]?.spikedAt != nil)
    }
}
