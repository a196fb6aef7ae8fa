import Foundation

/// Numbers as people read them in alerts, tables and summaries.
///
/// Every function accepts any value (`Int64.min`, `Int64.max`, NaN, infinities) without
/// trapping: they format numbers that came from outside.
public enum HumanFormat {
    /// Bytes in powers of 1000 with at most one decimal: `812.3 MB`, `1 GB`, `512 B`.
    public static func bytes(_ value: Int64) -> String {
        text { append(bytes: value, to: &$0) }
    }

    /// `bytes(_:)` appended to `text` as UTF-8: `status` writes one per row, 100,000 rows.
    public static func append(bytes value: Int64, to text: inout [UInt8]) {
        let units: [StaticString] = ["B", "KB", "MB", "GB", "TB", "PB", "EB"]
        var scaled = Double(value)
        var unit = 0
        while abs(scaled) >= 1000, unit < units.count - 1 {
            scaled /= 1000
            unit += 1
        }
        append(decimal: scaled, to: &text)
        text.append(0x20)
        units[unit].withUTF8Buffer { text.append(contentsOf: $0) }
    }

    /// Seconds as `45s`, `12m 5s`, `3h 20m`; negative values keep their sign: `-5s`.
    public static func seconds(_ value: Int64) -> String {
        text { append(seconds: value, to: &$0) }
    }

    /// `seconds(_:)` appended to `text` as UTF-8.
    public static func append(seconds value: Int64, to text: inout [UInt8]) {
        // `-value` traps on Int64.min; its magnitude still fits in UInt64.
        let magnitude = value.magnitude
        if value < 0 { text.append(UInt8(ascii: "-")) }
        func part(_ number: UInt64, _ unit: UInt8) {
            text.append(contentsOf: String(number).utf8)
            text.append(unit)
        }
        if magnitude < 60 { return part(magnitude, UInt8(ascii: "s")) }
        let (first, firstUnit, rest, restUnit) = magnitude < 3600
            ? (magnitude / 60, UInt8(ascii: "m"), magnitude % 60, UInt8(ascii: "s"))
            : (magnitude / 3600, UInt8(ascii: "h"), (magnitude % 3600) / 60, UInt8(ascii: "m"))
        part(first, firstUnit)
        guard rest != 0 else { return }
        text.append(0x20)
        part(rest, restUnit)
    }

    /// What `write` appends, as a `String`: the `String` forms share the byte forms' code.
    private static func text(_ write: (inout [UInt8]) -> Void) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        write(&bytes)
        return String(decoding: bytes, as: UTF8.self)
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
        text { append(decimal: value, to: &$0) }
    }

    /// `decimal(_:)` appended to `text` as UTF-8.
    public static func append(decimal value: Double, to text: inout [UInt8]) {
        guard value.isFinite else { return text.append(contentsOf: (value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf")).utf8) }
        // Beyond 2^53 every Double is whole, and `value * 10` could overflow to infinity.
        if abs(value) >= 9_007_199_254_740_992 { return text.append(contentsOf: String(format: "%.0f", value).utf8) }
        let rounded = (value * 10).rounded() / 10
        // Through Int64, -0 prints as 0: people do not write "-0".
        if rounded == rounded.rounded() { return text.append(contentsOf: String(Int64(rounded)).utf8) }
        // Below 2^40 a tenth is far from a tie, so whole tenths print as "%.1f" prints them,
        // without Foundation's formatter (`status` writes several per row, 100,000 rows).
        if abs(rounded) < 1_099_511_627_776 {
            let tenths = Int64((abs(rounded) * 10).rounded())
            if rounded < 0 { text.append(UInt8(ascii: "-")) }
            text.append(contentsOf: String(tenths / 10).utf8)
            text.append(UInt8(ascii: "."))
            return text.append(UInt8(ascii: "0") + UInt8(tenths % 10))
        }
        text.append(contentsOf: String(format: "%.1f", rounded).utf8)
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
