import Foundation

/// `maintenance[n]`: a weekly window in which matching events are silenced.
///
/// Times are wall-clock times in the window's time zone, so a window keeps its local
/// hours across daylight-saving changes: on a day when 02:00–03:00 does not exist, a
/// 02:00–04:00 window is open from 03:00; on a day when it repeats, it is open for both.
public struct MaintenanceWindow: Sendable, Equatable {
    public var name: String
    public var match: EventMatch
    /// The days a window starts on; one that crosses midnight belongs to the day it starts on.
    public var days: Set<Weekday>
    /// Seconds after local midnight the window opens: 0 ..< 86400.
    public var from: Int
    /// Seconds after local midnight it closes: 1 ... 86400 (`24:00`); earlier than `from` crosses midnight.
    public var to: Int
    public var timeZone: TimeZone

    public init(name: String, match: EventMatch, days: Set<Weekday>, from: Int, to: Int, timeZone: TimeZone) {
        self.name = name
        self.match = match
        self.days = days
        self.from = from
        self.to = to
        self.timeZone = timeZone
    }

    /// Whether the window is open at `instant`.
    public func isActive(at instant: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .hour, .minute, .second], from: instant)
        guard let weekday = parts.weekday.flatMap(Weekday.init(calendarWeekday:)),
              let hour = parts.hour, let minute = parts.minute, let second = parts.second
        else { return false }
        let now = hour * 3600 + minute * 60 + second
        if from < to {
            return days.contains(weekday) && now >= from && now < to
        }
        // Crossing midnight: the evening part belongs to today, the morning part to yesterday.
        return (days.contains(weekday) && now >= from) || (days.contains(weekday.previous) && now < to)
    }
}

/// A day of the week as the configuration writes it.
public enum Weekday: String, Sendable, CaseIterable, Hashable {
    case mon, tue, wed, thu, fri, sat, sun

    /// From `Calendar`'s numbering, 1 = Sunday … 7 = Saturday.
    init?(calendarWeekday: Int) {
        let order: [Weekday] = [.sun, .mon, .tue, .wed, .thu, .fri, .sat]
        guard (1...7).contains(calendarWeekday) else { return nil }
        self = order[calendarWeekday - 1]
    }

    var previous: Weekday {
        let all = Weekday.allCases
        return all[(all.firstIndex(of: self)! + all.count - 1) % all.count]
    }
}
