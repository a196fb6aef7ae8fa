import Foundation

/// Parses an HTTP `Retry-After` value: delay seconds (a decimal is accepted) or an HTTP date.
///
/// The value comes from whoever answered, a proxy included, so it is bounded before any
/// conversion: a server must not be able to crash simwatch (`Int64(1e300)` traps) or
/// stall it for a year. DESIGN.md: 30 s for Control Center, 1 h for a webhook.
public enum RetryAfter {
    /// The longest pause Control Center may impose.
    public static let controlCenterCap: Duration = .seconds(30)
    /// The longest pause a webhook receiver may impose.
    public static let webhookCap: Duration = .seconds(3600)

    /// The pause the header asks for, within `0...cap`; `nil` when the value is neither form.
    ///
    /// A value above the cap (`1e300`, `inf`, a date in the year 9999) counts as the cap;
    /// a negative one or a date in the past as zero. `nan`, `-`, hex floats, empty or
    /// garbage are `nil`, so the caller falls back to its normal backoff.
    /// - Parameter cap: defaults to the webhook cap, the longest pause simwatch honours.
    public static func parse(_ value: String?, now: Date = Date(), cap: Duration = webhookCap) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = decimalSeconds(value) {
            return bounded(seconds: seconds, cap: cap)
        }
        guard let date = Timestamp.httpDate(value) else { return nil }
        return bounded(seconds: date.timeIntervalSince(now), cap: cap)
    }

    /// `seconds` as a Duration in `0...cap`; never traps, whatever the Double (`Duration.bounded`).
    ///
    /// Also for Discord's body `retry_after`, which is the same rule in another place.
    public static func bounded(seconds: Double, cap: Duration) -> Duration? {
        Duration.bounded(seconds: seconds, cap: cap)
    }

    /// The value as a decimal number of seconds, also `inf`; `nil` for anything else.
    ///
    /// Swift's `Double(_:)` also reads hex floats and `nan`; only what a server could
    /// mean as seconds is taken.
    private static func decimalSeconds(_ value: String) -> Double? {
        switch value.lowercased() {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: break
        }
        guard value.utf8.allSatisfy({ (0x30...0x39).contains($0) || "+-.eE".utf8.contains($0) }),
              value.utf8.contains(where: { (0x30...0x39).contains($0) })
        else { return nil }
        return Double(value)
    }
}
