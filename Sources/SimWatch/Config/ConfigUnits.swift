import Foundation

/// The unit syntax of the configuration file: durations, sizes, percents and counts.
///
/// Each parser returns `nil` for text it does not accept; callers say what was expected.
public enum ConfigUnits {
    /// `500ms`, `30s`, `5m`, `2h`, `1d`, or combinations in decreasing order such as `1h30m`.
    public static func duration(_ text: String) -> Duration? {
        let units: [(suffix: String, milliseconds: Int64)] = [
            ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
        ]
        var rest = Substring(text)
        var total: Int64 = 0
        var lastRank = Int.max
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, digits.count <= 12, let amount = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            // "ms" is listed before "m", so it wins where both match.
            guard let rank = units.indices.first(where: { rest.hasPrefix(units[$0].suffix) }) else { return nil }
            // Each unit at most once, larger first: `1h30m`, not `30m1h`.
            guard rank < lastRank else { return nil }
            lastRank = rank
            rest = rest.dropFirst(units[rank].suffix.count)
            let (product, overflow) = amount.multipliedReportingOverflow(by: units[rank].milliseconds)
            guard !overflow else { return nil }
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
        }
        return .milliseconds(total)
    }

    /// `500KB`, `1.5GB` (powers of 1000), `512MiB` (powers of 1024), or a bare number of bytes.
    public static func size(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let number = trimmed.prefix(while: { ($0.isASCII && $0.isNumber) || $0 == "." })
        let unit = trimmed.dropFirst(number.count).trimmingCharacters(in: .whitespaces).lowercased()
        let multipliers: [String: Int64] = [
            "": 1, "b": 1,
            "kb": 1000, "mb": 1_000_000, "gb": 1_000_000_000, "tb": 1_000_000_000_000,
            "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
        ]
        guard let multiplier = multipliers[unit] else { return nil }
        return scaled(String(number), by: multiplier)
    }

    /// `80%`, `12.5%`: the number before the percent sign.
    public static func percent(_ text: String) -> Double? {
        guard text.hasSuffix("%") else { return nil }
        let number = text.dropLast().trimmingCharacters(in: .whitespaces)
        guard isDecimal(number), let value = Double(number), value.isFinite else { return nil }
        return value
    }

    /// A non-negative whole number: `500`.
    public static func count(_ text: String) -> Int64? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(text)
    }

    /// A plain decimal number such as `5` or `0.5` (no YAML-isms like `0x10` or `.inf`).
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
    private static func scaled(_ number: String, by multiplier: Int64) -> Int64? {
        guard isDecimal(number) else { return nil }
        let parts = number.split(separator: ".")
        guard let whole = Int64(parts[0]) else { return nil }
        let (product, overflow) = whole.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        guard parts.count == 2 else { return product }
        let fractionDigits = parts[1].prefix(12)
        guard let fraction = Int64(fractionDigits) else { return nil }
        var denominator: Int64 = 1
        for _ in 0..<fractionDigits.count { denominator *= 10 }
        // Bytes are whole: a fraction of a byte is dropped.
        let (fractionProduct, fractionOverflow) = fraction.multipliedReportingOverflow(by: multiplier)
        guard !fractionOverflow else { return nil }
        let (sum, sumOverflow) = product.addingReportingOverflow(fractionProduct / denominator)
        return sumOverflow ? nil : sum
    }
}
