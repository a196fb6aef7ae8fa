import Foundation

extension Timestamp {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Fri, 27 Nov 2026 10:00:00 +0000`: an e-mail's `Date:` header (RFC 5322), in UTC.
    package static func rfc5322(_ date: Date) -> String {
        let f = fields(date)
        // 1970-01-01 was a Thursday; the modulo is kept positive for years before 1970.
        let days = days(fromCivil: f.year, f.month, f.day)
        let weekday = weekdays[((days % 7) + 11) % 7]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        let year = String(repeating: "0", count: max(0, 4 - String(f.year).count)) + String(f.year)
        return "\(weekday), \(two(f.day)) \(months[f.month - 1]) \(year) \(two(f.hour)):\(two(f.minute)):\(two(f.second)) +0000"
    }
}
