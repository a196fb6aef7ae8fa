import Foundation

/// A strict, allocation-light JSON tokenizer over a byte buffer: the fast path for reading device records.
///
/// Errors name the line and column, so an operator can find the damage in the set-aside file.
package struct JSONScanner {
    /// An object key as it appears in the buffer; compared without making a `String`.
    package struct Key {
        @usableFromInline var raw: UnsafeBufferPointer<UInt8>?
        @usableFromInline var decoded: String?

        /// Inlinable: readers call it about thirty times per device line, mostly to find a
        /// length differs, which inlined is one comparison instead of a call into this module.
        @inlinable
        package func matches(_ name: StaticString) -> Bool {
            guard let raw else { return decoded == name.description }
            let count = raw.count
            guard count == name.utf8CodeUnitCount, let start = raw.baseAddress else { return count == name.utf8CodeUnitCount }
            return JSONScanner.equalBytes(UnsafeRawPointer(start), UnsafeRawPointer(name.utf8Start), count: count)
        }

        package var text: String { raw.map { String(decoding: $0, as: UTF8.self) } ?? decoded! }
    }

    /// Tracks whether a comma is due before the next member or element.
    package struct Container {
        fileprivate var first = true

        /// Before the first member (`beginObject` gives one after the opening bracket).
        package init() {}
    }

    private static let maxDepth = 256

    package let bytes: UnsafeBufferPointer<UInt8>
    package private(set) var index = 0
    /// The last date read and its text: a state file's devices share a few poll times, so
    /// most dates are the one before (parsed once, not per device).
    private var lastDate: (text: DateText, date: Date)?

    /// Where `bytes[0]` sits in the whole document (line and column from 1), so a scanner
    /// over a window of a streamed file still names the file's line in its errors.
    private let origin: (line: Int, column: Int)

    package init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        origin = (1, 1)
    }

    /// A scanner over a window of a larger document, starting at `index`; `bytes[0]` is at
    /// `line` and `column` of the document.
    package init(window bytes: UnsafeBufferPointer<UInt8>, index: Int, line: Int, column: Int) {
        self.bytes = bytes
        self.index = min(max(index, 0), bytes.count)
        origin = (line, column)
    }

    /// Whether errors name their line and column. A reader that will retry on a fault
    /// (a streamed window that may end mid-value) turns this off: finding the line costs
    /// a pass over the bytes before it.
    package var describesPositions = true

    package func error(_ message: String, at offset: Int? = nil) -> JSONFormatError {
        guard describesPositions else { return JSONFormatError(description: message) }
        let position = min(offset ?? index, bytes.count)
        var line = origin.line
        var lineStart: Int?
        for i in 0..<position where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        let column = lineStart.map { position - $0 + 1 } ?? origin.column + position
        return JSONFormatError(description: "line \(line), column \(column): \(message)")
    }

    /// The next byte after whitespace, not consumed; `nil` at the end.
    package mutating func peek() -> UInt8? {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return bytes[index]
            }
        }
        return nil
    }

    package mutating func expect(_ byte: UInt8) throws(JSONFormatError) {
        // Most expected bytes follow at once (`:` after a key, `{` after it): no whitespace loop.
        if index < bytes.count, bytes[index] == byte {
            index += 1
            return
        }
        guard peek() == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    package mutating func expectEnd() throws(JSONFormatError) {
        guard peek() == nil else { throw error("unexpected data after the end of the state") }
    }

    /// Consumes `null` if it comes next.
    package mutating func skipNull() throws(JSONFormatError) -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    private mutating func literal(_ word: StaticString) throws(JSONFormatError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count,
              Self.equalBytes(UnsafeRawPointer(bytes.baseAddress! + index), UnsafeRawPointer(word.utf8Start), count: count) else {
            throw error("expected \(word)")
        }
        index += count
    }

    package mutating func readBool() throws(JSONFormatError) -> Bool {
        switch peek() {
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        default: throw error("expected true or false")
        }
    }

    package mutating func readInt() throws(JSONFormatError) -> Int64 {
        _ = peek()
        let start = index
        let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        let digitsStart = index
        var magnitude: UInt64 = 0
        while index < bytes.count, case let digit = bytes[index] &- UInt8(ascii: "0"), digit < 10 {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { throw error("number too large", at: start) }
            magnitude = sum
            index += 1
        }
        guard index > digitsStart else { throw error("expected a whole number", at: start) }
        if index - digitsStart > 1, bytes[digitsStart] == UInt8(ascii: "0") {
            throw error("number with a leading zero", at: start)
        }
        if index < bytes.count, case let next = bytes[index],
           next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            throw error("expected a whole number", at: start)
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw error("number too large", at: start) }
            return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw error("number too large", at: start) }
        return Int64(magnitude)
    }

    package mutating func readInt() throws(JSONFormatError) -> Int {
        let value: Int64 = try readInt()
        guard let exact = Int(exactly: value) else { throw error("number too large") }
        return exact
    }

    /// A JSON number with a fraction or exponent allowed; what `JSONByteWriter.double` writes.
    package mutating func readDouble() throws(JSONFormatError) -> Double {
        _ = peek()
        let start = index
        guard let first = peek(), first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw error("expected a number", at: start)
        }
        try skipNumber()
        let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
        if let exact = Self.exactDecimal(text) { return exact }
        guard let value = Double(String(decoding: text, as: UTF8.self)) else {
            throw error("expected a number", at: start)
        }
        return value
    }

    /// A string value as a `Key`: compared in place (`matches`) without making a String.
    package mutating func readStringToken() throws(JSONFormatError) -> Key {
        let (raw, decoded) = try stringToken()
        return Key(raw: raw, decoded: decoded)
    }

    package mutating func readString() throws(JSONFormatError) -> String {
        let (raw, decoded) = try stringToken()
        return raw.map { String(decoding: $0, as: UTF8.self) } ?? decoded!
    }

    /// `readString()`, but gives `known` itself (no new String) when the text is the same.
    package mutating func readString(reusing known: String) throws(JSONFormatError) -> String {
        let (raw, decoded) = try stringToken()
        guard let raw else { return decoded! }
        var known = known
        let same = known.withUTF8 { utf8 in
            utf8.count == raw.count
                && (raw.isEmpty || Self.equalBytes(UnsafeRawPointer(utf8.baseAddress!), UnsafeRawPointer(raw.baseAddress!), count: raw.count))
        }
        return same ? known : String(decoding: raw, as: UTF8.self)
    }

    package mutating func readDate() throws(JSONFormatError) -> Date {
        _ = peek()
        let start = index
        let (raw, decoded) = try stringToken()
        if let raw, let text = DateText(raw), let last = lastDate, last.text == text { return last.date }
        let date = raw.map(Timestamp.parse) ?? Array(decoded!.utf8).withUnsafeBufferPointer(Timestamp.parse)
        guard let date else { throw error("expected a date like 2026-11-27T10:00:00Z", at: start) }
        if let raw, let text = DateText(raw) { lastDate = (text, date) }
        return date
    }


    // MARK: Containers

    package mutating func beginObject() throws(JSONFormatError) -> Container {
        try expect(UInt8(ascii: "{"))
        return Container()
    }

    /// Consumes the next member's key if it is `name` written plainly (`"name":`, with the
    /// comma before it when one is due, whitespace allowed before the comma and the key):
    /// a reader that knows the order it writes keys tries the one it expects without
    /// scanning it as a string. `false`, with nothing consumed, for anything else (another
    /// key, an escape, the object's end, damage): `nextKey` then reads what is there.
    package mutating func takeKey(_ name: StaticString, in container: inout Container) -> Bool {
        guard let cursor = memberStart(in: container), let base = bytes.baseAddress else { return false }
        let count = name.utf8CodeUnitCount
        guard bytes.count - cursor >= count + 3, base[cursor + count + 1] == UInt8(ascii: "\""),
              base[cursor + count + 2] == UInt8(ascii: ":"),
              Self.equalBytes(UnsafeRawPointer(base + cursor + 1), UnsafeRawPointer(name.utf8Start), count: count)
        else { return false }
        index = cursor + count + 3
        container.first = false
        return true
    }

    /// Where the next member's key starts (its opening quote), past whitespace and the
    /// comma when one is due; `nil` when something else comes next (the end, damage).
    /// Nothing is consumed.
    package func memberStart(in container: Container) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let end = bytes.count
        var cursor = index
        func skipWhitespace() {
            while cursor < end, case let byte = base[cursor], byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { cursor += 1 }
        }
        skipWhitespace()
        if !container.first {
            guard cursor < end, base[cursor] == UInt8(ascii: ",") else { return nil }
            cursor += 1
            skipWhitespace()
        }
        guard cursor < end, base[cursor] == UInt8(ascii: "\"") else { return nil }
        return cursor
    }

    /// Moves on to `index`, past members of `container` read by another scanner over the
    /// same bytes (a parallel load's other half): the next one needs its comma.
    package mutating func skip(to index: Int, pastMembersOf container: inout Container) {
        self.index = min(max(index, self.index), bytes.count)
        container.first = false
    }

    /// `nextKey`, trying `expected` first (`takeKey`); the key it gives then points at `expected`'s own bytes.
    package mutating func nextKey(_ container: inout Container, expecting expected: StaticString) throws(JSONFormatError) -> Key? {
        guard takeKey(expected, in: &container) else { return try nextKey(&container) }
        return Key(raw: UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount), decoded: nil)
    }

    /// The next key of an object (its ':' consumed), or `nil` after its closing brace.
    package mutating func nextKey(_ container: inout Container) throws(JSONFormatError) -> Key? {
        guard try nextMember(&container, closer: UInt8(ascii: "}")) else { return nil }
        let (raw, decoded) = try stringToken()
        try expect(UInt8(ascii: ":"))
        return Key(raw: raw, decoded: decoded)
    }

    package mutating func beginArray() throws(JSONFormatError) -> Container {
        try expect(UInt8(ascii: "["))
        return Container()
    }

    /// Whether another element follows, or `false` after the array's closing bracket.
    package mutating func nextElement(_ container: inout Container) throws(JSONFormatError) -> Bool {
        try nextMember(&container, closer: UInt8(ascii: "]"))
    }

    private mutating func nextMember(_ container: inout Container, closer: UInt8) throws(JSONFormatError) -> Bool {
        let next = peek()
        if next == closer {
            index += 1
            return false
        }
        if container.first {
            container.first = false
        } else {
            guard next == UInt8(ascii: ",") else { throw error("expected ',' or '\(Character(Unicode.Scalar(closer)))'") }
            index += 1
        }
        if peek() == nil { throw error("unexpected end of file") }
        return true
    }

    /// Skips one value of any kind, checking its syntax; returns the bytes it spanned.
    @discardableResult
    package mutating func skipValue(depth: Int = 0) throws(JSONFormatError) -> UnsafeBufferPointer<UInt8> {
        guard depth < Self.maxDepth else { throw error("nested too deeply") }
        guard let first = peek() else { throw error("unexpected end of file") }
        let start = index
        switch first {
        case UInt8(ascii: "{"):
            var object = try beginObject()
            while try nextKey(&object) != nil { try skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            var array = try beginArray()
            while try nextElement(&array) { try skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""):
            _ = try stringToken()
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            _ = try readBool()
        case UInt8(ascii: "n"):
            try literal("null")
        default:
            try skipNumber()
        }
        return UnsafeBufferPointer(rebasing: bytes[start..<index])
    }

    /// Skips a number as RFC 8259 writes it: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`,
    /// so the one-pass decoders refuse what JSONDecoder refuses (`.0`, `01`, `1.`, `+1`).
    private mutating func skipNumber() throws(JSONFormatError) {
        let start = index
        // Bytes, not Characters: a Character's `asciiValue` is a grapheme check per call.
        func at(_ byte: Unicode.Scalar) -> Bool { index < bytes.count && bytes[index] == UInt8(ascii: byte) }
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - from
        }
        if at("-") { index += 1 }
        if at("0") {
            index += 1
        } else if digits() == 0 {
            throw error("expected a value", at: start)
        }
        if at(".") {
            index += 1
            guard digits() > 0 else { throw error("expected a digit after the decimal point", at: start) }
        }
        if at("e") || at("E") {
            index += 1
            if at("+") || at("-") { index += 1 }
            guard digits() > 0 else { throw error("expected a digit in the exponent", at: start) }
        }
    }

    // MARK: Strings

    /// A string's bytes in place when it has no escapes, else its decoded text.
    private mutating func stringToken() throws(JSONFormatError) -> (UnsafeBufferPointer<UInt8>?, String?) {
        try expect(UInt8(ascii: "\""))
        let start = index
        // A local cursor over the base address: the loop keeps it in a register instead of
        // storing `index` back to `self` on every byte (the hottest loop of a load).
        guard let base = bytes.baseAddress else { throw error("unterminated string", at: start - 1) }
        var cursor = start
        let end = bytes.count
        // Eight bytes at a time while none of them is a quote, a backslash or a control
        // character; the byte loop below then finds which one it is.
        while end - cursor >= 8 {
            let word = UnsafeRawPointer(base + cursor).loadUnaligned(as: UInt64.self)
            if Self.mayEndPlainRun(word) { break }
            cursor += 8
        }
        while cursor < end {
            let byte = base[cursor]
            if byte == UInt8(ascii: "\"") {
                index = cursor + 1
                return (UnsafeBufferPointer(start: base + start, count: cursor - start), nil)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 {
                index = cursor
                throw error("control character in a string")
            }
            cursor += 1
        }
        index = cursor
        guard index < bytes.count else { throw error("unterminated string", at: start - 1) }
        return (nil, try escapedString(from: start))
    }

    private mutating func escapedString(from start: Int) throws(JSONFormatError) -> String {
        var utf8 = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try appendEscape(to: &utf8)
            case ..<0x20:
                throw error("control character in a string", at: index - 1)
            default:
                utf8.append(byte)
            }
        }
        throw error("unterminated string", at: start - 1)
    }

    private mutating func appendEscape(to utf8: inout [UInt8]) throws(JSONFormatError) {
        guard index < bytes.count else { throw error("unterminated string") }
        let kind = bytes[index]
        index += 1
        switch kind {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(kind)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by `\uDC00`…`\uDFFF`.
                guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired surrogate in a \\u escape")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in a \\u escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
            utf8.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            throw error("invalid escape in a string", at: index - 2)
        }
    }

    private mutating func hex4() throws(JSONFormatError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw error("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}

/// Where and how a JSON text breaks the shape its reader expects: `line L, column C: what`.
package struct JSONFormatError: Error, CustomStringConvertible {
    package var description: String

    package init(description: String) {
        self.description = description
    }
}
