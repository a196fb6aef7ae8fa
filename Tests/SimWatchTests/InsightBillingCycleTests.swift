import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchMonitor

/// The billing calendar: month lengths, February, daylight saving, a start on the 28th.
@Suite("Insight: billing cycle")
struct InsightBillingCycleTests {
    static func utc(_ text: String) -> Date {
        Array(text.utf8).withUnsafeBufferPointer { Timestamp.parse($0)! }
    }

    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var startDay: Int
        var zone: String
        var at: String
        var start: String
        var end: String
        var days: Double
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "31-day month, start on the 1st", startDay: 1, zone: "UTC", at: "2026-12-15T12:00:00Z",
            start: "2026-12-01T00:00:00Z", end: "2027-01-01T00:00:00Z", days: 31),
        Row(name: "30-day month", startDay: 1, zone: "UTC", at: "2026-11-30T23:59:59Z",
            start: "2026-11-01T00:00:00Z", end: "2026-12-01T00:00:00Z", days: 30),
        Row(name: "February of a common year", startDay: 1, zone: "UTC", at: "2027-02-10T00:00:00Z",
            start: "2027-02-01T00:00:00Z", end: "2027-03-01T00:00:00Z", days: 28),
        Row(name: "February of a leap year", startDay: 1, zone: "UTC", at: "2028-02-29T12:00:00Z",
            start: "2028-02-01T00:00:00Z", end: "2028-03-01T00:00:00Z", days: 29),
        Row(name: "start on the 28th, before it: the previous month's cycle", startDay: 28, zone: "UTC",
            at: "2027-03-27T10:00:00Z", start: "2027-02-28T00:00:00Z", end: "2027-03-28T00:00:00Z", days: 28),
        Row(name: "start on the 28th, on it", startDay: 28, zone: "UTC", at: "2027-03-28T00:00:00Z",
            start: "2027-03-28T00:00:00Z", end: "2027-04-28T00:00:00Z", days: 31),
        Row(name: "start on the 15th across the year's end", startDay: 15, zone: "UTC", at: "2027-01-03T00:00:00Z",
            start: "2026-12-15T00:00:00Z", end: "2027-01-15T00:00:00Z", days: 31),
        Row(name: "Berlin, the cycle holding the spring change is an hour short", startDay: 1, zone: "Europe/Berlin",
            at: "2027-03-20T00:00:00Z", start: "2027-02-28T23:00:00Z", end: "2027-03-31T22:00:00Z", days: 31 - 1.0 / 24),
        Row(name: "Berlin, the autumn change makes an hour more", startDay: 1, zone: "Europe/Berlin",
            at: "2026-10-20T00:00:00Z", start: "2026-09-30T22:00:00Z", end: "2026-10-31T23:00:00Z", days: 31 + 1.0 / 24),
        Row(name: "Berlin, 23:30 UTC on the last day is already the next cycle", startDay: 1, zone: "Europe/Berlin",
            at: "2026-12-31T23:30:00Z", start: "2026-12-31T23:00:00Z", end: "2027-01-31T23:00:00Z", days: 31),
        Row(name: "New York, start on the 28th", startDay: 28, zone: "America/New_York", at: "2027-03-01T12:00:00Z",
            start: "2027-02-28T05:00:00Z", end: "2027-03-28T04:00:00Z", days: 28 - 1.0 / 24),
    ]

    @Test("the cycle a time falls in", arguments: rows)
    func period(_ row: Row) throws {
        let cycle = BillingCycle(startDay: row.startDay, timeZone: try #require(TimeZone(identifier: row.zone)))
        let period = cycle.period(containing: Self.utc(row.at))
        #expect(Timestamp.rfc3339(period.start) == row.start)
        #expect(Timestamp.rfc3339(period.end) == row.end)
        #expect(abs(period.length - row.days * 86_400) < 1)
        #expect(period.contains(Self.utc(row.at)))
    }

    @Test("the cycle's last day is named in the billing zone")
    func lastDay() throws {
        let berlin = BillingCycle(startDay: 1, timeZone: try #require(TimeZone(identifier: "Europe/Berlin")))
        let period = berlin.period(containing: Self.utc("2026-12-10T00:00:00Z"))
        #expect(berlin.lastDay(of: period) == "31 Dec")
        #expect(berlin.day(of: Self.utc("2026-12-21T23:30:00Z")) == "22 Dec")
    }

    @Test("progress and elapsed stay within the cycle, also for times outside it")
    func progress() {
        let cycle = BillingCycle()
        let period = cycle.period(containing: Self.utc("2026-12-16T12:00:00Z"))
        #expect(abs(period.progress(at: Self.utc("2026-12-16T12:00:00Z")) - 0.5) < 1e-9)
        #expect(period.elapsed(at: Self.utc("2020-01-01T00:00:00Z")) == 0)
        #expect(period.progress(at: Self.utc("2030-01-01T00:00:00Z")) == 1)
    }

    @Test("days out of range and extreme dates do not trap")
    func hostile() {
        let cycle = BillingCycle(startDay: 99)
        #expect(cycle.startDay == 28)
        for seconds in [-1e300, 1e300, Double.nan, -62_135_596_800, 253_402_300_799] {
            let period = cycle.period(containing: Date(timeIntervalSince1970: seconds))
            #expect(period.end > period.start)
        }
    }
}
