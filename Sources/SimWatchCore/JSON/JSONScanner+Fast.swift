/// The scanner's fast paths that need no scanner state: plain decimals made without a
/// String, strings scanned eight bytes at a time, and dates compared as packed words.
extension JSONScanner {
    /// Exact powers of ten as doubles, 10^0 to 10^22.
    static let powersOfTen: [Double] = (0...22).map { exponent in
        (0..<exponent).reduce(1.0) { product, _ in product * 10 }
    }

    /// A number `skipNumber` accepted, without an exponent and with at most 15 significant
    /// digits, made without a String: such a mantissa and power of ten are exact doubles,
    /// so one division rounds correctly and gives what `Double(String)` gives. `nil` otherwise.
    static func exactDecimal(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var mantissa: UInt64 = 0
        var significant = 0, decimals = 0
        var negative = false, afterPoint = false
        for byte in text {
            switch byte {
            case UInt8(ascii: "-"): negative = true
            case UInt8(ascii: "."): afterPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if mantissa > 0 || byte != UInt8(ascii: "0") { significant += 1 }
                guard significant <= 15 else { return nil }
                mantissa = mantissa * 10 + UInt64(byte - UInt8(ascii: "0"))
                if afterPoint { decimals += 1 }
            default: return nil
            }
        }
        guard decimals < powersOfTen.count else { return nil }
        let magnitude = Double(mantissa) / powersOfTen[decimals]
        return negative ? -magnitude : magnitude
    }

    /// Whether `count` bytes at `left` and `right` are the same, compared here eight at a
    /// time: keys and ICCIDs are short, and a call to memcmp for each costs more than the
    /// comparison (a device line compares about thirty).
    @inlinable
    package static func equalBytes(_ left: UnsafeRawPointer, _ right: UnsafeRawPointer, count: Int) -> Bool {
        var offset = 0
        while count - offset >= 8 {
            guard left.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    == right.loadUnaligned(fromByteOffset: offset, as: UInt64.self) else { return false }
            offset += 8
        }
        while offset < count {
            guard left.load(fromByteOffset: offset, as: UInt8.self) == right.load(fromByteOffset: offset, as: UInt8.self) else { return false }
            offset += 1
        }
        return true
    }

    /// Whether a byte of `word` may be a quote, a backslash or below 0x20 (the usual
    /// has-zero-byte tests: never a miss, at worst a false alarm after a real one; a byte of
    /// 0x80 or more never counts, so UTF-8 text runs on).
    @inline(__always)
    static func mayEndPlainRun(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
        let quote = hasZero(word ^ (ones &* 0x22))
        let backslash = hasZero(word ^ (ones &* 0x5C))
        let control = (word &- ones &* 0x20) & ~word & highs
        return quote | backslash | control != 0
    }

    /// A date's text, up to 24 bytes, packed for comparing in three steps.
    struct DateText: Equatable {
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count: Int

        init?(_ raw: UnsafeBufferPointer<UInt8>) {
            guard raw.count <= 24, let start = raw.baseAddress else { return nil }
            count = raw.count
            withUnsafeMutableBytes(of: &words) { $0.baseAddress!.copyMemory(from: start, byteCount: raw.count) }
        }

        static func == (lhs: DateText, rhs: DateText) -> Bool {
            lhs.count == rhs.count && lhs.words == rhs.words
        }
    }
}
