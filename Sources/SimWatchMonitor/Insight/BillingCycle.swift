import Foundation
import SimWatchConfig
import SimWatchCore

/// One billing cycle: from its start day's 00:00 in the billing zone to the next one's.
public struct CyclePeriod: Sendable, Equatable, Hashable {
    public var start: Date
    public var end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    /// Seconds from start to end; a month, give or take a daylight-saving hour.
    public var length: TimeInterval { end.timeIntervalSince(start) }

    /// Seconds of the cycle passed at `date`, within 0 ... `length`.
    public func elapsed(at date: Date) -> TimeInterval {
        min(max(date.timeIntervalSince(start), 0), length)
    }

    /// Share of the cycle passed at `date`, 0 ... 1.
    public func progress(at date: Date) -> Double {
        length > 0 ? elapsed(at: date) / length : 0
    }

    /// Whether `date` falls in this cycle.
    public func contains(_ date: Date) -> Bool {
        date >= start && date < end
    }
}

/// The billing calendar of `billing.cycle_start_day` and `billing.timezone`: a pure value.
///
/// Cycles start at 00:00 local time, so with daylight saving a cycle is an hour shorter
/// or longer than its days; Foundation's calendar does that arithmetic. Where 00:00 does
/// not exist (a zone that springs forward at midnight), the cycle starts at the first
/// minute that does.
public struct BillingCycle: Sendable, Equatable {
    public var startDay: Int
    public var timeZone: TimeZone

    public init(startDay: Int = 1, timeZone: TimeZone = .gmt) {
        // The configuration bounds it to 1...28; a direct caller is held to the same.
        self.startDay = min(max(startDay, 1), 28)
        self.timeZone = timeZone
    }

    public init(_ settings: BillingSettings) {
        self.init(startDay: settings.cycleStartDay, timeZone: settings.timeZone)
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The cycle `date` falls in.
    public func period(containing date: Date) -> CyclePeriod {
        let calendar = calendar
        // Dates from a damaged file or a stepped clock are clamped to years 1...9999 first.
        let safe = Date(timeIntervalSince1970: min(max(date.timeIntervalSince1970.isNaN ? 0 : date.timeIntervalSince1970,
                                                       -62_135_596_800), 253_402_214_400))
        let local = calendar.dateComponents([.year, .month, .day], from: safe)
        var year = local.year ?? 1970, month = local.month ?? 1
        if (local.day ?? 1) < startDay {
            (year, month) = month == 1 ? (year - 1, 12) : (year, month - 1)
        }
        var start = startOf(year: year, month: month, calendar)
        if start > safe {
            // Only when 00:00 of the start day is skipped and `date` is in the gap.
            (year, month) = month == 1 ? (year - 1, 12) : (year, month - 1)
            start = startOf(year: year, month: month, calendar)
        }
        let (nextYear, nextMonth) = month == 12 ? (year + 1, 1) : (year, month + 1)
        return CyclePeriod(start: start, end: startOf(year: nextYear, month: nextMonth, calendar))
    }

    private func startOf(year: Int, month: Int, _ calendar: Calendar) -> Date {
        let components = DateComponents(year: year, month: month, day: startDay, hour: 0, minute: 0, second: 0)
        return calendar.date(from: components) ?? Date(timeIntervalSince1970: 0)
    }

    /// `31 Dec`: the day `date` falls on in the billing zone.
    public func day(of date: Date) -> String {
        Timestamp.dayMonth(date, offsetSeconds: timeZone.secondsFromGMT(for: date))
    }

    /// The last day of `period` as people name it: the day before the next cycle starts.
    public func lastDay(of period: CyclePeriod) -> String {
        day(of: period.end.addingTimeInterval(-1))
    }
}
