import Foundation

/// The one place simwatch turns a `Duration` into a number and back.
extension Duration {
    /// Seconds as a `Double` (Prometheus's base unit, rates, ages).
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Milliseconds as a `Double`, for timings people read.
    public var milliseconds: Double {
        Double(components.seconds) * 1e3 + Double(components.attoseconds) / 1e15
    }

    /// Whole milliseconds, rounded toward zero and clamped to `Int64`'s range, so even
    /// `Duration.seconds(Int64.max)` converts without trapping.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (total, overflowAdding) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        guard !overflowAdding else { return seconds < 0 ? .min : .max }
        return total
    }

    /// `seconds` from outside (a header, a body, a file) as a Duration in `0...cap`;
    /// never traps, whatever the Double.
    ///
    /// Above the cap (`1e300`, `inf`) is the cap; zero or negative (also `-0`) is zero;
    /// `nan` is `nil`, so the caller falls back to its own default.
    public static func bounded(seconds: Double, cap: Duration) -> Duration? {
        guard !seconds.isNaN else { return nil }
        let cap = max(cap, .zero)
        guard seconds > 0 else { return .zero }
        // Below 1e9 s the nanosecond count fits an Int64 with room to spare.
        guard seconds < cap.seconds, seconds < 1e9 else { return cap }
        return min(cap, .nanoseconds(Int64((seconds * 1e9).rounded())))
    }
}
