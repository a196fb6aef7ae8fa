import Foundation

/// The unit syntax of the configuration file: durations, sizes, percents and counts.
///
/// Each parser returns `nil` for text it does not accept; callers say what was expected.
/// The `parse…` variants also tell a well-formed value too large for `Int64` from garbage,
/// so that messages can say which. Nothing here traps, whatever the text.
public enum ConfigUnits {
    /// What a unit parser made of a text.
    public enum Parsed<Value: Sendable & Equatable>: Sendable, Equatable {
        case value(Value)
        /// Well-formed, but beyond what `Int64` holds in the base unit.
        case tooLarge
        case invalid

        package var value: Value? {
            if case .value(let value) = self { return value }
            return nil
        }
    }

    /// `500ms`, `30s`, `5m`, `2h`, `1d`, or combinations in decreasing order such as `1h30m`.
    ///
    /// Whole numbers only: `1.5h` and `0.5s` are refused (write `1h30m`, `500ms`), and so is a
    /// sign: no duration in the configuration is negative.
    public static func duration(_ text: String) -> Duration? {
        parseDuration(text).value
    }

    /// `duration`, telling "too large" from "not a duration".
    public static func parseDuration(_ text: String) -> Parsed<Duration> {
        let units: [(suffix: String, milliseconds: Int64)] = [
            ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
        ]
        var rest = Substring(text)
        var total: Int64 = 0
        var lastRank = Int.max
        var tooLarge = false
        guard !rest.isEmpty else { return .invalid }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty else { return .invalid }
            rest = rest.dropFirst(digits.count)
            // "ms" is listed before "m", so it wins where both match.
            guard let rank = units.indices.first(where: { rest.hasPrefix(units[$0].suffix) }) else { return .invalid }
            // Each unit at most once, larger first: `1h30m`, not `30m1h`.
            guard rank < lastRank else { return .invalid }
            lastRank = rank
            rest = rest.dropFirst(units[rank].suffix.count)
            // Keep reading after an overflow, so that `99999999999999999d` is "too large" but
            // `99999999999999999x` is still "not a duration".
            guard !tooLarge, let amount = Int64(digits) else {
                tooLarge = true
                continue
            }
            let (product, overflow) = amount.multipliedReportingOverflow(by: units[rank].milliseconds)
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            if overflow || sumOverflow { tooLarge = true } else { total = sum }
        }
        return tooLarge ? .tooLarge : .value(.milliseconds(total))
    }

    /// `500KB`, `1.5GB` (powers of 1000), `512MiB` (powers of 1024), or a bare number of bytes.
    public static func size(_ text: String) -> Int64? {
        parseSize(text).value
    }

    /// `size`, telling "too large" from "not a size".
    public static func parseSize(_ text: String) -> Parsed<Int64> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let number = trimmed.prefix(while: { ($0.isASCII && $0.isNumber) || $0 == "." })
        let unit = trimmed.dropFirst(number.count).trimmingCharacters(in: .whitespaces).lowercased()
        let multipliers: [String: Int64] = [
            "": 1, "b": 1,
            "kb": 1000, "mb": 1_000_000, "gb": 1_000_000_000, "tb": 1_000_000_000_000,
            "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
        ]
        guard let multiplier = multipliers[unit], isDecimal(String(number)) else { return .invalid }
        return scaled(String(number), by: multiplier)
    }

    /// `80%`, `12.5%`: the number before the percent sign, when it is finite.
    public static func percent(_ text: String) -> Double? {
        guard let value = parsePercent(text).value, value.isFinite else { return nil }
        return value
    }

    /// `percent`, telling a number too large for a `Double` (`1` and 400 zeros) from garbage.
    public static func parsePercent(_ text: String) -> Parsed<Double> {
        guard text.hasSuffix("%") else { return .invalid }
        let number = text.dropLast().trimmingCharacters(in: .whitespaces)
        guard isDecimal(number), let value = Double(number) else { return .invalid }
        return value.isFinite ? .value(value) : .tooLarge
    }

    /// A non-negative whole number: `500`.
    public static func count(_ text: String) -> Int64? {
        parseCount(text).value
    }

    /// `count`, telling "too large" from "not a whole number".
    public static func parseCount(_ text: String) -> Parsed<Int64> {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .invalid }
        return Int64(text).map { .value($0) } ?? .tooLarge
    }

    /// A plain decimal number such as `5` or `0.5` (no YAML-isms like `0x10` or `.inf`).
    ///
    /// Digits beyond `Double`'s range give infinity: callers compare against a bound.
    public static func number(_ text: String) -> Double? {
        guard isDecimal(text) else { return nil }
        return Double(text)
    }

    static func isDecimal(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty else { return false }
        return parts.allSatisfy { part in !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } }
    }

    /// `number * multiplier` in exact integer arithmetic, so `1.1GB` is 1,100,000,000 bytes.
    private static func scaled(_ number: String, by multiplier: Int64) -> Parsed<Int64> {
        let parts = number.split(separator: ".")
        // `number` is decimal digits, so a failure here is size, not syntax.
        guard let whole = Int64(parts[0]) else { return .tooLarge }
        let (product, overflow) = whole.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return .tooLarge }
        guard parts.count == 2 else { return .value(product) }
        // Digits past the twelfth are below a byte even for TiB.
        let fractionDigits = parts[1].prefix(12)
        guard let fraction = Int64(fractionDigits) else { return .invalid }
        var denominator: Int64 = 1
        for _ in 0..<fractionDigits.count { denominator *= 10 }
        // fraction × multiplier can exceed Int64 (12 digits × 2^40); the quotient cannot,
        // since fraction < denominator. Bytes are whole: a fraction of a byte is dropped.
        let wide = fraction.multipliedFullWidth(by: multiplier)
        let (bytes, _) = denominator.dividingFullWidth(wide)
        let (sum, sumOverflow) = product.addingReportingOverflow(bytes)
        return sumOverflow ? .tooLarge : .value(sum)
    }
}
