import Foundation

/// simwatch's one date formatter family: RFC 3339 in UTC for files, events, logs and
/// receivers, plus the short forms people read; no Foundation formatter, no locale.
///
/// Every form clamps the date first, so a date from a damaged file or a stepped clock
/// formats without trapping. Fractions of a second are dropped, except in log lines.
package enum Timestamp {
    package struct Fields {
        package var year, month, day, hour, minute, second: Int
    }

    /// The UTC fields of `date`, clamped to the years 0000 to 9999 (`StateBounds.dateRange`):
    /// a date from anywhere can be formatted without trapping.
    package static func fields(_ date: Date) -> Fields {
        let raw = date.timeIntervalSince1970
        let range = StateBounds.dateRange
        let clamped = raw.isNaN ? 0 : min(max(raw, range.lowerBound), range.upperBound)
        let seconds = Int(clamped.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        return Fields(year: year, month: month, day: day, hour: secondOfDay / 3600,
                      minute: secondOfDay / 60 % 60, second: secondOfDay % 60)
    }

    /// `2026-11-27T10:00:00Z`: what the state file, events and machine receivers carry.
    package static func rfc3339(_ date: Date) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        appendRFC3339(date, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `2026-11-27T10:00:00Z` to `bytes`, without making a String (the state writer's fast path).
    package static func appendRFC3339(_ date: Date, to bytes: inout [UInt8]) {
        let f = fields(date)
        append(f.year, width: 4, to: &bytes); bytes.append(UInt8(ascii: "-"))
        append(f.month, width: 2, to: &bytes); bytes.append(UInt8(ascii: "-"))
        append(f.day, width: 2, to: &bytes); bytes.append(UInt8(ascii: "T"))
        append(f.hour, width: 2, to: &bytes); bytes.append(UInt8(ascii: ":"))
        append(f.minute, width: 2, to: &bytes); bytes.append(UInt8(ascii: ":"))
        append(f.second, width: 2, to: &bytes); bytes.append(UInt8(ascii: "Z"))
    }

    /// `2026-11-27T10:00:00+00:00`: ISO 8601 with a numeric offset, as Search Devices' `modifiedSince` wants it.
    package static func iso8601WithOffset(_ date: Date) -> String {
        String(rfc3339(date).dropLast()) + "+00:00"
    }

    /// `2026-11-27 10:00 UTC`, for people (chat messages).
    package static func minuteUTC(_ date: Date) -> String {
        let f = fields(date)
        return pad(f.year, 4) + "-" + pad(f.month, 2) + "-" + pad(f.day, 2) + " " + pad(f.hour, 2) + ":" + pad(f.minute, 2) + " UTC"
    }

    /// `10:00:00` at `offsetSeconds` east of UTC (the demo console shows the local time).
    package static func timeOfDay(_ date: Date, offsetSeconds: Int) -> String {
        let offset = Double(min(max(offsetSeconds, -86_400), 86_400))
        let f = fields(date.addingTimeInterval(offset))
        return pad(f.hour, 2) + ":" + pad(f.minute, 2) + ":" + pad(f.second, 2)
    }

    /// `31 Dec` at `offsetSeconds` east of UTC: a day people read in a forecast or digest.
    package static func dayMonth(_ date: Date, offsetSeconds: Int) -> String {
        let offset = Double(min(max(offsetSeconds, -86_400), 86_400))
        let f = fields(date.addingTimeInterval(offset))
        return "\(f.day) \(monthNames[max(0, min(11, f.month - 1))])"
    }

    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `2026-11-27T10:00:00.123Z`: UTC with milliseconds, for log lines.
    ///
    /// Nearest millisecond, not down: `.123` arrives as `.12299999` after the Double
    /// arithmetic. Years 0001 to 9999; a non-finite date is the epoch.
    package static func rfc3339Milliseconds(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        let total = milliseconds.isFinite ? Int(min(max(milliseconds, -62_135_596_800_000), 253_402_300_799_999)) : 0
        let days = total >= 0 ? total / 86_400_000 : (total - 86_399_999) / 86_400_000
        let millisecondOfDay = total - days * 86_400_000
        let (year, month, day) = civil(fromDays: days)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(millisecondOfDay / 3_600_000, 2) + ":"
            + pad(millisecondOfDay / 60_000 % 60, 2) + ":" + pad(millisecondOfDay / 1000 % 60, 2) + "."
            + pad(millisecondOfDay % 1000, 3) + "Z"
    }

    /// `20261127T100000Z`, for file names.
    package static func compactUTC(_ date: Date) -> String {
        let f = fields(date)
        return pad(f.year, 4) + pad(f.month, 2) + pad(f.day, 2) + "T" + pad(f.hour, 2) + pad(f.minute, 2) + pad(f.second, 2) + "Z"
    }

    /// Seconds since 1970 for a UTC civil time.
    static func epochSeconds(_ f: Fields) -> Int {
        days(fromCivil: f.year, f.month, f.day) * 86_400 + f.hour * 3600 + f.minute * 60 + f.second
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// `value` in `width` ASCII digits; one out of range (never, after clamping) is written whole.
    private static func append(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        guard (0..<divisor * 10).contains(value) else { return bytes.append(contentsOf: String(value).utf8) }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days: proleptic Gregorian, no tables.
    package static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    package static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Parses `2026-11-27T10:00:00Z`, also with fractional seconds or a `+01:00` offset.
    package static func parse(_ text: UnsafeBufferPointer<UInt8>) -> Date? {
        parse(text, longYears: false)
    }

    /// `parse`, but with `longYears` also years of 5 to 9 digits, as Foundation's ISO 8601
    /// reader takes them: the Codable sections then report such a date as out of range by
    /// its key (`StateBounds.dateOutOfRange`) rather than as garbage.
    package static func parse(_ text: UnsafeBufferPointer<UInt8>, longYears: Bool) -> Date? {
        var index = 0
        func number(_ width: Int) -> Int? {
            guard text.count - index >= width else { return nil }
            var value = 0
            for _ in 0..<width {
                let digit = Int(text[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
                index += 1
            }
            return value
        }
        func separator(_ byte: UInt8) -> Bool {
            guard index < text.count, text[index] == byte else { return false }
            index += 1
            return true
        }
        var yearDigits = 4
        if longYears {
            while yearDigits < 9, text.count > index + yearDigits, (0x30...0x39).contains(text[index + yearDigits]) { yearDigits += 1 }
        }
        guard let year = number(yearDigits), separator(UInt8(ascii: "-")), let month = number(2), separator(UInt8(ascii: "-")),
              let day = number(2), separator(UInt8(ascii: "T")), let hour = number(2), separator(UInt8(ascii: ":")),
              let minute = number(2), separator(UInt8(ascii: ":")), let second = number(2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction = 0.0
        if separator(UInt8(ascii: ".")) {
            var scale = 0.1
            let digitsStart = index
            while index < text.count, case let digit = Int(text[index]) - 48, (0...9).contains(digit) {
                fraction += Double(digit) * scale
                scale /= 10
                index += 1
            }
            guard index > digitsStart else { return nil }
        }
        var offset = 0
        if separator(UInt8(ascii: "Z")) {
            offset = 0
        } else if index < text.count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
            let sign = text[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(2), separator(UInt8(ascii: ":")), let minutes = number(2) else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard index == text.count else { return nil }
        let seconds = epochSeconds(Fields(year: year, month: month, day: day, hour: hour, minute: minute, second: second)) - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}

/// The state codec's name for `Timestamp`, which began as its date format.
package typealias StateDateFormat = Timestamp
