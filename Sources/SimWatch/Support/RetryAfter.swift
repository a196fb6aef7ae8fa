import Foundation

/// Parses an HTTP `Retry-After` value: delay seconds or an HTTP date.
public enum RetryAfter {
    /// The pause the header asks for, within `0...cap`; `nil` when the value is neither form.
    ///
    /// A larger value (`1e300`, `inf`, a date in the year 9999) counts as `cap`, a negative
    /// one as zero; `nan` is ignored. Nothing here can trap.
    public static func parse(_ value: String?, now: Date = Date(), cap: Duration = .seconds(86_400)) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) {
            return clamped(seconds, cap: cap)
        }
        guard let date = httpDate(value) else { return nil }
        return clamped(date.timeIntervalSince(now), cap: cap)
    }

    /// `seconds` as a duration within `0...cap`, or `nil` for NaN.
    public static func clamped(_ seconds: Double, cap: Duration) -> Duration? {
        guard !seconds.isNaN else { return nil }
        // A cap beyond 30 million years is no cap anyone meant; bounding it keeps `Int64` safe.
        let capSeconds = min(max(0, Double(cap.components.seconds) + Double(cap.components.attoseconds) / 1e18), 1e15)
        let bounded = min(max(0, seconds), capSeconds)
        // Whole milliseconds, rounded up: a receiver asking for 1.0001 s gets no less.
        return .milliseconds(Int64((bounded * 1000).rounded(.up)))
    }

    private static func httpDate(_ value: String) -> Date? {
        // RFC 9110 preferred format first, then the two obsolete ones it still requires.
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: value) { return date }
        }
        return nil
    }
}
