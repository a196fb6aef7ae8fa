import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchMonitor
@testable import SimWatchState

private typealias F = DetectorFixtures

/// `overage_projected` as a pure rule: pace, `min_elapsed`, once per cycle, re-armed.
@Suite("Insight: overage projection")
struct InsightProjectionTests {
    static let december = BillingCycle().period(containing: InsightBillingCycleTests.utc("2026-12-10T00:00:00Z"))
    static let plan = PlanAllowance(data: F.gigabyte, sms: 500)

    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var value: Int64?
        var at: String
        var fires: Bool
        var projectedPercent: Double? = nil
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "1.5 × the allowed pace after min_elapsed fires", value: 500 * F.megabyte, at: "2026-12-11T08:00:00Z",
            fires: true, projectedPercent: 150),
        Row(name: "the same pace before min_elapsed does not", value: 90 * F.megabyte, at: "2026-12-02T20:00:00Z", fires: false),
        Row(name: "a steady pace below the plan does not", value: 300 * F.megabyte, at: "2026-12-16T12:00:00Z", fires: false),
        Row(name: "exactly on the allowance's pace fires at 100 %", value: 500 * F.megabyte, at: "2026-12-16T12:00:00Z",
            fires: true, projectedPercent: 100),
        Row(name: "a value already at the allowance is not projected", value: F.gigabyte, at: "2026-12-20T00:00:00Z", fires: false),
        Row(name: "a counter that stays at 0 is not projected", value: 0, at: "2026-12-20T00:00:00Z", fires: false),
        Row(name: "an unknown counter is not projected", value: nil, at: "2026-12-20T00:00:00Z", fires: false),
        Row(name: "a huge counter is bounded, not a trap", value: Int64.max, at: "2026-12-20T00:00:00Z", fires: false),
    ]

    @Test("projection against the plan", arguments: rows)
    func rule(_ row: Row) {
        var marks = InsightMarks()
        let at = InsightBillingCycleTests.utc(row.at)
        let fired = OverageProjection.evaluate(
            F.record(data: row.value), plan: Self.plan, period: Self.december, at: at, settings: ForecastSettings(), marks: &marks)
        #expect(fired.count == (row.fires ? 1 : 0))
        if let percent = row.projectedPercent, let projection = fired.first {
            #expect(abs(projection.projectedPercent - percent) < 0.01)
            #expect(projection.cycleEndsAt == Self.december.end)
            #expect(projection.limit == F.gigabyte)
        }
        #expect(marks.projected == (row.fires ? [.data] : []))
    }

    @Test("limit_reached_at is when the pace reaches 100 %")
    func limitReachedAt() throws {
        let at = InsightBillingCycleTests.utc("2026-12-11T08:00:00Z")  // 10.33 days in: a third of 31 days
        let projection = try #require(OverageProjection.project(
            .data, value: 500 * F.megabyte, limit: F.gigabyte, period: Self.december, at: at, minElapsed: 0))
        let expected = Self.december.start.addingTimeInterval(at.timeIntervalSince(Self.december.start) * 2)
        #expect(abs(projection.limitReachedAt.timeIntervalSince(expected)) < 1)
        #expect(abs(Double(projection.projectedValue) - 1.5e9) < 1e6)
    }

    @Test("once per metric per cycle; the next cycle re-arms")
    func oncePerCycle() {
        var marks = InsightMarks()
        let settings = ForecastSettings()
        func run(_ value: Int64, _ at: String) -> Int {
            let date = InsightBillingCycleTests.utc(at)
            let period = BillingCycle().period(containing: date)
            return OverageProjection.evaluate(F.record(data: value), plan: Self.plan, period: period, at: date,
                                              settings: settings, marks: &marks).count
        }
        #expect(run(500 * F.megabyte, "2026-12-11T09:12:00Z") == 1)
        #expect(run(600 * F.megabyte, "2026-12-12T08:00:00Z") == 0)
        #expect(run(700 * F.megabyte, "2026-12-13T08:00:00Z") == 0)
        #expect(run(500 * F.megabyte, "2027-01-11T09:12:00Z") == 1)
    }

    @Test("a SIM first seen late in the cycle is projected on its first observation")
    func firstSeenLate() throws {
        var record = DeviceRecord()
        let at = InsightBillingCycleTests.utc("2026-12-25T00:00:00Z")
        let usage = F.record(data: 900 * F.megabyte)
        let detection = DeviceLedger.observe(usage, device: F.named, record: &record, at: at, epoch: F.epoch, rules: DetectionRules())
        let events = InsightLedger.observe(usage, device: F.named, before: DeviceRecord(), detection: detection, record: &record,
                                           at: at, epoch: F.epoch, rules: InsightRules(plans: ["hphlr rp1": Self.plan]))
        let event = try #require(events.first)
        #expect(events.map(\.kind) == [.overageProjected])
        #expect(event.summary == "truck-17 (\(F.iccid)): data on pace for 1.2 GB of 1 GB by 31 Dec (limit reached around 27 Dec)")
        #expect(event.limit == F.gigabyte && event.value == 900 * F.megabyte)
        #expect(event.cycleEndsAt == Self.december.end)
    }

    @Test("a cycle_reset mid-cycle re-arms the projection")
    func resetMidCycle() {
        var record = DeviceRecord()
        let rules = InsightRules(plans: ["hphlr rp1": Self.plan])
        func observe(_ value: Int64, _ at: String) -> [EventKind] {
            let date = InsightBillingCycleTests.utc(at)
            let before = record
            let usage = F.record(data: value)
            let detection = DeviceLedger.observe(usage, device: F.named, record: &record, at: date, epoch: F.epoch, rules: DetectionRules())
            let insight = InsightLedger.observe(usage, device: F.named, before: before, detection: detection, record: &record,
                                                at: date, epoch: F.epoch, rules: rules)
            return detection.events.map(\.kind) + insight.map(\.kind)
        }
        #expect(observe(600 * F.megabyte, "2026-12-12T00:00:00Z") == [.overageProjected])
        #expect(observe(700 * F.megabyte, "2026-12-13T00:00:00Z") == [])
        #expect(observe(10 * F.megabyte, "2026-12-14T00:00:00Z") == [.cycleReset])
        #expect(record.insight.projected.isEmpty)
        #expect(observe(900 * F.megabyte, "2026-12-15T00:00:00Z") == [.overageProjected])
    }

    @Test("forecast off raises nothing")
    func off() {
        var record = DeviceRecord()
        let date = InsightBillingCycleTests.utc("2026-12-25T00:00:00Z")
        let usage = F.record(data: 900 * F.megabyte)
        let detection = DeviceLedger.observe(usage, device: F.named, record: &record, at: date, epoch: F.epoch, rules: DetectionRules())
        let events = InsightLedger.observe(usage, device: F.named, before: DeviceRecord(), detection: detection, record: &record,
                                           at: date, epoch: F.epoch, rules: InsightRules(forecast: nil, plans: ["hphlr rp1": Self.plan]))
        #expect(events.isEmpty)
    }
}
