import Foundation
import SimWatchConfig

/// When the daily digest is due: `digest.at` each day in `digest.timezone`.
public struct DigestSchedule: Sendable, Equatable {
    public var hour: Int
    public var minute: Int
    public var timeZone: TimeZone

    public init(hour: Int, minute: Int, timeZone: TimeZone) {
        self.hour = min(max(hour, 0), 23)
        self.minute = min(max(minute, 0), 59)
        self.timeZone = timeZone
    }

    public init(_ settings: DigestSettings) {
        self.init(hour: settings.hour, minute: settings.minute, timeZone: settings.timeZone)
    }

    /// The latest due time at or before `date`.
    public func latest(atOrBefore date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Today's, else yesterday's; a day whose hh:mm is skipped (daylight saving) takes the next valid minute.
        for back in 0...2 {
            guard let day = calendar.date(byAdding: .day, value: -back, to: date),
                  let due = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: day)
            else { continue }
            if due <= date { return due }
        }
        return date.addingTimeInterval(-24 * 3600)
    }

    /// The first due time after `date`.
    public func next(after date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        for ahead in 0...2 {
            guard let day = calendar.date(byAdding: .day, value: ahead, to: date),
                  let due = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: day)
            else { continue }
            if due > date { return due }
        }
        return date.addingTimeInterval(24 * 3600)
    }

    /// Whether a digest was missed: one was sent before, and a due time has passed since.
    ///
    /// With no digest sent yet (a new state file) nothing was missed: the first goes out
    /// at the next due time.
    public func missed(lastSent: Date?, now: Date) -> Bool {
        guard let lastSent else { return false }
        return lastSent < latest(atOrBefore: now)
    }
}
