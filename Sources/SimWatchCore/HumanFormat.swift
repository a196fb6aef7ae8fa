import Foundation

/// Numbers as people read them in alerts, tables and summaries.
///
/// Every function accepts any value (`Int64.min`, `Int64.max`, NaN, infinities) without
/// trapping: they format numbers that came from outside.
public enum HumanFormat {
    /// Bytes in powers of 1000 with at most one decimal: `812.3 MB`, `1 GB`, `512 B`.
    public static func bytes(_ value: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"]
        var scaled = Double(value)
        var unit = 0
        while abs(scaled) >= 1000, unit < units.count - 1 {
            scaled /= 1000
            unit += 1
        }
        return "\(decimal(scaled)) \(units[unit])"
    }

    /// Seconds as `45s`, `12m 5s`, `3h 20m`; negative values keep their sign: `-5s`.
    public static func seconds(_ value: Int64) -> String {
        // `-value` traps on Int64.min; its magnitude still fits in UInt64.
        let magnitude = value.magnitude
        let sign = value < 0 ? "-" : ""
        if magnitude < 60 { return "\(sign)\(magnitude)s" }
        if magnitude < 3600 {
            return magnitude % 60 == 0
                ? "\(sign)\(magnitude / 60)m" : "\(sign)\(magnitude / 60)m \(magnitude % 60)s"
        }
        let minutes = (magnitude % 3600) / 60
        return minutes == 0 ? "\(sign)\(magnitude / 3600)h" : "\(sign)\(magnitude / 3600)h \(minutes)m"
    }

    /// Seconds given as a measured or computed `Double`, rounded up to whole seconds.
    ///
    /// For callers that would otherwise write `seconds(Int64(x.rounded(.up)))`, which traps on
    /// NaN, infinities and values beyond `Int64`: those become `?` and are clamped instead.
    public static func seconds(measured value: Double, rounding rule: FloatingPointRoundingRule = .up) -> String {
        guard !value.isNaN else { return "?" }
        return seconds(clampedInt64(value.rounded(rule)))
    }

    /// A duration as `500ms`, `30s`, `15m`, `2h 30m`.
    public static func duration(_ value: Duration) -> String {
        let (seconds, attoseconds) = value.components
        if seconds == 0 && attoseconds > 0 { return "\(attoseconds / 1_000_000_000_000_000)ms" }
        return self.seconds(seconds)
    }

    /// A metric's value in its own unit: bytes for data, seconds for voice, a count otherwise.
    public static func value(_ value: Int64, of metric: Metric) -> String {
        switch metric {
        case .data: bytes(value)
        case .voice: seconds(value)
        case .sms: "\(value) SMS"
        case .sessions: "\(value) sessions"
        }
    }

    /// At most one decimal, none when it would be `.0`: `81`, `85.2`.
    ///
    /// NaN and infinities are written `nan`, `inf` and `-inf`; whole numbers too large for
    /// `Int64` are written out in full digits rather than converted.
    public static func decimal(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        // Beyond 2^53 every Double is whole, and `value * 10` could overflow to infinity.
        if abs(value) >= 9_007_199_254_740_992 { return String(format: "%.0f", value) }
        let rounded = (value * 10).rounded() / 10
        // Through Int64, -0 prints as 0: people do not write "-0".
        if rounded == rounded.rounded() { return String(Int64(rounded)) }
        // Below 2^40 a tenth is far from a tie, so whole tenths print as "%.1f" prints them,
        // without Foundation's formatter (`status` writes several per row, 100,000 rows).
        if abs(rounded) < 1_099_511_627_776 {
            let tenths = Int64((abs(rounded) * 10).rounded())
            return "\(rounded < 0 ? "-" : "")\(tenths / 10).\(tenths % 10)"
        }
        return String(format: "%.1f", rounded)
    }

    /// `value` as an `Int64`, clamped to its range; NaN is 0. For display arithmetic only.
    public static func clampedInt64(_ value: Double) -> Int64 {
        guard !value.isNaN else { return 0 }
        // 2^63 is exactly representable; anything at or above it does not fit.
        if value >= 9_223_372_036_854_775_808.0 { return .max }
        if value < -9_223_372_036_854_775_808.0 { return .min }
        return Int64(value)
    }
}
