import Foundation

/// Appends JSON tokens to a byte buffer: the fast path for the state file's device records.
///
/// Output matches `JSONEncoder.simwatch()`: slashes and non-ASCII unescaped, dates as
/// whole-second ISO 8601 in UTC.
package struct JSONByteWriter {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// Bytes written since the start or the last `drain`.
    package var count: Int { bytes.count }

    /// Hands the bytes written so far to `sink`, then starts over in the same buffer:
    /// a large document (the state file) streams out in chunks instead of being held whole.
    package mutating func drain<E: Error>(into sink: ([UInt8]) throws(E) -> Void) throws(E) {
        try sink(bytes)
        removeAll()
    }

    /// Appends what `other` holds: a part of the document written apart (a parallel save's half batch).
    package mutating func append(_ other: JSONByteWriter) {
        bytes.append(contentsOf: other.bytes)
    }

    /// Starts over in the same buffer, for writing the next part apart.
    package mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends ASCII punctuation or a key written out in the source, e.g. `"cycle":`.
    package mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    package mutating func raw(_ data: Data) {
        bytes.append(contentsOf: data)
    }

    package mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscaped(byte)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `value` as a JSON string that also writes every scalar `alsoEscaping` picks as `\uXXXX`
    /// (log lines escape DEL and U+2028/U+2029, which split lines in some viewers).
    package mutating func string(_ value: String, alsoEscaping: (Unicode.Scalar) -> Bool) {
        bytes.append(UInt8(ascii: "\""))
        for scalar in value.unicodeScalars {
            if scalar.value < 0x20 || scalar == "\"" || scalar == "\\" {
                appendEscaped(UInt8(scalar.value))
            } else if alsoEscaping(scalar) {
                appendUnicodeEscape(scalar)
            } else {
                UTF8.encode(scalar) { bytes.append($0) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `string(_:alsoEscaping:)` as a `String`, for text-built lines.
    package static func quoted(_ value: String, alsoEscaping: (Unicode.Scalar) -> Bool = { _ in false }) -> String {
        var writer = JSONByteWriter(capacity: value.utf8.count + 2)
        writer.string(value, alsoEscaping: alsoEscaping)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// `\uXXXX`, or a surrogate pair beyond the Basic Multilingual Plane.
    private mutating func appendUnicodeEscape(_ scalar: Unicode.Scalar) {
        func unit(_ value: UInt32) {
            bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u")])
            for shift in stride(from: 12, through: 0, by: -4) {
                bytes.append(Self.hexDigits[Int((value >> UInt32(shift)) & 0xF)])
            }
        }
        if scalar.value <= 0xFFFF {
            unit(scalar.value)
        } else {
            let offset = scalar.value - 0x1_0000
            unit(0xD800 + (offset >> 10))
            unit(0xDC00 + (offset & 0x3FF))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendEscaped(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        default:
            bytes.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0xF)]])
        }
    }

    package mutating func int(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for UInt64.max (20 digits), written backwards
        withUnsafeMutableBytes(of: &digits) { buffer in
            var position = buffer.count
            repeat {
                position -= 1
                buffer[position] = UInt8(truncatingIfNeeded: magnitude % 10) + UInt8(ascii: "0")
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: buffer[position...])
        }
    }

    package mutating func int(_ value: Int) { int(Int64(value)) }

    /// The shortest digits that read back as `value`; JSON has no NaN or infinity, so those write 0.
    package mutating func double(_ value: Double) {
        guard value.isFinite else { return raw("0") }
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 { return int(Int64(value)) }
        bytes.append(contentsOf: value.description.utf8)
    }

    package mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    /// `"2026-11-27T10:00:00Z"` (`Timestamp.rfc3339`).
    package mutating func date(_ value: Date) {
        let f = Timestamp.fields(value)
        guard (0...9999).contains(f.year) else {
            bytes.append(UInt8(ascii: "\""))
            Timestamp.appendRFC3339(value, to: &bytes)
            return bytes.append(UInt8(ascii: "\""))
        }
        // Every record has a date: its 22 bytes are laid out on the stack and appended at
        // once, not byte by byte (the same text as `Timestamp.appendRFC3339`).
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &text) { buffer in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var rest = value
                for position in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                    rest /= 10
                }
            }
            buffer[0] = UInt8(ascii: "\""); buffer[5] = UInt8(ascii: "-"); buffer[8] = UInt8(ascii: "-")
            buffer[11] = UInt8(ascii: "T"); buffer[14] = UInt8(ascii: ":"); buffer[17] = UInt8(ascii: ":")
            buffer[20] = UInt8(ascii: "Z"); buffer[21] = UInt8(ascii: "\"")
            put(f.year, 4, at: 1)
            put(f.month, 2, at: 6)
            put(f.day, 2, at: 9)
            put(f.hour, 2, at: 12)
            put(f.minute, 2, at: 15)
            put(f.second, 2, at: 18)
            bytes.append(contentsOf: buffer[0..<22])
        }
    }
}
