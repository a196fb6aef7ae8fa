import Foundation

extension Timestamp {
    /// Parses an HTTP date (RFC 9110 §5.6.7): the preferred IMF-fixdate
    /// (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete forms it still requires,
    /// RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`).
    ///
    /// ASCII only and at most 64 bytes: anything else is `nil`. The weekday is checked to
    /// be a weekday's name, not to match the date.
    package static func httpDate(_ text: String) -> Date? {
        guard text.utf8.count <= 64, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        let words = text.split(separator: " ")
        switch words.count {
        case 6:  // Sun, 06 Nov 1994 08:49:37 GMT
            guard words[0].hasSuffix(","), shortWeekdays.contains(String(words[0].dropLast())), words[5] == "GMT",
                  words[1].utf8.count == 2, words[3].utf8.count == 4,
                  let day = number(words[1]), let month = month(words[2]), let year = number(words[3])
            else { return nil }
            return date(year: year, month: month, day: day, time: words[4])
        case 4:  // Sunday, 06-Nov-94 08:49:37 GMT
            let parts = words[1].split(separator: "-", omittingEmptySubsequences: false)
            guard words[0].hasSuffix(","), longWeekdays.contains(String(words[0].dropLast())), words[3] == "GMT",
                  parts.count == 3, parts[0].utf8.count == 2, parts[2].utf8.count == 2,
                  let day = number(parts[0]), let month = month(parts[1]), let shortYear = number(parts[2])
            else { return nil }
            // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
            return date(year: shortYear < 50 ? 2000 + shortYear : 1900 + shortYear, month: month, day: day, time: words[2])
        case 5:  // Sun Nov  6 08:49:37 1994
            guard shortWeekdays.contains(String(words[0])), (1...2).contains(words[2].utf8.count), words[4].utf8.count == 4,
                  let month = month(words[1]), let day = number(words[2]), let year = number(words[4])
            else { return nil }
            return date(year: year, month: month, day: day, time: words[3])
        default:
            return nil
        }
    }

    private static let shortWeekdays: Set<String> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let longWeekdays: Set<String> = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// ASCII digits only: `Int(_:)` would also take `+9`.
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(text)
    }

    private static func month(_ name: Substring) -> Int? {
        months.firstIndex(of: String(name)).map { $0 + 1 }
    }

    /// The date for a civil day and an `HH:MM:SS` time in GMT; `nil` for a day the month lacks.
    private static func date(year: Int, month: Int, day: Int, time: Substring) -> Date? {
        let parts = time.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ $0.utf8.count == 2 && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
              let hour = number(parts[0]), let minute = number(parts[1]), let second = number(parts[2]),
              hour < 24, minute < 60, second < 61, (1...31).contains(day), (0...9999).contains(year)
        else { return nil }
        let days = days(fromCivil: year, month, day)
        guard civil(fromDays: days) == (year, month, day) else { return nil }
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60 + second))
    }
}
