/// The header fields of a response, collected from the lines libcurl hands over, parsed on bytes.
///
/// Every request passes through here, so nothing goes through Foundation, and nothing becomes
/// text until it is asked for: a line is trimmed and split on its bytes, and its kept bytes
/// wait in one buffer. A field read (`fields`, `value(of:)`) is text, UTF-8 when valid,
/// otherwise ISO-8859-1, decided per line. Most answers are read for their body alone.
/// Whatever a server sends, the result is bounded and well-formed:
/// - a status line (`HTTP/…`) starts a new response: only the final one's fields count
///   (after `100 Continue` or a proxy's `CONNECT` answer);
/// - a line without a colon, or whose name is not an RFC 9110 token (empty, spaces before
///   the colon, control or non-ASCII bytes), is dropped;
/// - an obsolete folded line (starting with a space or tab) continues the previous field's
///   value, joined with one space, as RFC 9112 §5.2 allows;
/// - at most `maxFields` fields of at most `maxValueBytes` bytes are kept; more is dropped.
struct ResponseHeaders: Sendable {
    /// Fields kept per response; a server sending more is not telling us anything we read.
    static let maxFields = 256
    /// Longest value kept, folded continuations included (libcurl itself caps a line at 100 KB).
    static let maxValueBytes = 16 * 1024

    /// What a run of `bytes` is: a field's name, its value, or a folded line continuing it.
    private enum Role: UInt8, Sendable {
        case name, value, continuation
    }

    /// A run of `bytes`, and whether it is to be read as ISO-8859-1 (it is not valid UTF-8).
    private struct Piece: Sendable {
        let range: Range<Int>
        let role: Role
        let isLatin1: Bool
    }

    /// The kept bytes of every name, value and continuation, in the order received.
    private var bytes: [UInt8] = []
    private var pieces: [Piece] = []
    private var fieldCount = 0
    /// How long the last field's value is as text (UTF-8): a fold may not grow it past the cap.
    private var lastValueLength = 0
    /// Whether the previous line stored a field that a folded line may continue.
    private var canContinue = false
    /// The body length the current response's `Content-Length` announces, when it is sane.
    private(set) var announcedLength: Int?

    /// The fields in the order received, names as sent.
    var fields: [(name: String, value: String)] {
        pieces.indices.filter { pieces[$0].role == .name }.map { (name: text(pieces[$0]), value: valueOfField(at: $0)) }
    }

    /// The first value of the field, its name matched without regard to ASCII case.
    func value(of name: String) -> String? {
        let index = bytes.withUnsafeBufferPointer { all in
            pieces.indices.first { pieces[$0].role == .name && Self.equalIgnoringASCIICase(all[pieces[$0].range], name.utf8) }
        }
        return index.map(valueOfField(at:))
    }

    /// The value of the field whose name is the piece at `index`, folded lines joined.
    private func valueOfField(at index: Int) -> String {
        var value = ""
        for piece in pieces[(index + 1)...] {
            if piece.role == .name { break }
            if piece.role == .value { value = text(piece) } else { value.append(joining: text(piece)) }
        }
        return value
    }

    /// Takes one header line as libcurl delivers it, line break included.
    mutating func receive(_ line: UnsafeRawBufferPointer) {
        // libcurl's `char` bytes; UInt8 and CChar may alias.
        let bytes = UnsafeBufferPointer(start: line.baseAddress?.assumingMemoryBound(to: UInt8.self), count: line.count)
        var start = 0
        var end = bytes.count
        while end > start, bytes[end - 1] == .cr || bytes[end - 1] == .lf { end -= 1 }
        while start < end, bytes[start] == .cr || bytes[start] == .lf { start += 1 }
        guard start < end else {
            canContinue = false
            return
        }
        if Self.hasStatusPrefix(bytes, from: start, to: end) {
            self.bytes.removeAll(keepingCapacity: true)
            pieces.removeAll(keepingCapacity: true)
            fieldCount = 0
            announcedLength = nil
            canContinue = false
            return
        }
        if bytes[start] == .space || bytes[start] == .tab {
            continueValue(UnsafeBufferPointer(rebasing: bytes[Self.trimmed(bytes, from: start, to: end)]))
            return
        }
        canContinue = false
        guard let colon = (start..<end).first(where: { bytes[$0] == .colon }),
              colon > start, (start..<colon).allSatisfy({ Self.isTokenByte(bytes[$0]) }),
              fieldCount < Self.maxFields
        else { return }
        let nameBytes = UnsafeBufferPointer(rebasing: bytes[start..<colon])
        let valueRange = Self.trimmed(bytes, from: colon + 1, to: end)
        let valueBytes = UnsafeBufferPointer(rebasing: bytes[valueRange])
        guard valueBytes.count <= Self.maxValueBytes else { return }
        let value = Self.textLength(valueBytes)
        if Self.equalsIgnoringCase(nameBytes, "content-length") {
            announcedLength = Self.smallDecimal(valueBytes)
        }
        // A typical answer has 6 to 10 fields of a few dozen bytes: one allocation each
        // instead of a few growths.
        if pieces.isEmpty {
            pieces.reserveCapacity(24)
            self.bytes.reserveCapacity(512)
        }
        // The line from its name to the end of its value, in one copy.
        let base = self.bytes.count - start
        self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<valueRange.upperBound]))
        pieces.append(Piece(range: (base + start)..<(base + colon), role: .name, isLatin1: false))
        pieces.append(Piece(
            range: (base + valueRange.lowerBound)..<(base + valueRange.upperBound), role: .value, isLatin1: value.isLatin1))
        fieldCount += 1
        lastValueLength = value.length
        canContinue = true
    }

    private mutating func continueValue(_ more: UnsafeBufferPointer<UInt8>) {
        guard canContinue else { return }
        guard lastValueLength + 1 + more.count <= Self.maxValueBytes else {
            canContinue = false
            return
        }
        if more.isEmpty { return }
        let added = Self.textLength(more)
        keep(more, as: .continuation, isLatin1: added.isLatin1)
        lastValueLength += (lastValueLength == 0 ? 0 : 1) + added.length
    }

    private mutating func keep(_ run: UnsafeBufferPointer<UInt8>, as role: Role, isLatin1: Bool) {
        let start = bytes.count
        bytes.append(contentsOf: run)
        pieces.append(Piece(range: start..<bytes.count, role: role, isLatin1: isLatin1))
    }

    private func text(_ piece: Piece) -> String {
        bytes.withUnsafeBufferPointer { all in
            let run = UnsafeBufferPointer(rebasing: all[piece.range])
            return piece.isLatin1 ? Self.latin1(run) : String(decoding: run, as: UTF8.self)
        }
    }

    // MARK: - Bytes

    /// How long the bytes are as text, and whether they are read as ISO-8859-1 (not valid
    /// UTF-8), where every byte is the code point of its value and one above 0x7F takes two.
    static func textLength(_ bytes: UnsafeBufferPointer<UInt8>) -> (length: Int, isLatin1: Bool) {
        // ASCII, nearly every header, needs no validation.
        if bytes.allSatisfy({ $0 < 0x80 }) || String(validating: bytes, as: UTF8.self) != nil {
            return (bytes.count, false)
        }
        return (bytes.count + bytes.count { $0 >= 0x80 }, true)
    }

    static func latin1(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// Whether two names are the same but for ASCII case (field names are ASCII tokens).
    static func equalIgnoringASCIICase(_ one: some Collection<UInt8>, _ other: some Collection<UInt8>) -> Bool {
        one.count == other.count && zip(one, other).allSatisfy { asciiLowercased($0) == asciiLowercased($1) }
    }

    /// Where the bytes between `start` and `end` are, without leading and trailing spaces and tabs.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Range<Int> {
        var start = start
        var end = end
        while start < end, bytes[start] == .space || bytes[start] == .tab { start += 1 }
        while end > start, bytes[end - 1] == .space || bytes[end - 1] == .tab { end -= 1 }
        return start..<end
    }

    private static func hasStatusPrefix(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        let prefix: [UInt8] = [0x48, 0x54, 0x54, 0x50, 0x2F]  // "HTTP/"
        guard end - start >= prefix.count else { return false }
        for offset in 0..<prefix.count where bytes[start + offset] != prefix[offset] { return false }
        return true
    }

    /// Whether the bytes spell `lowercase` (ASCII) in any case.
    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<bytes.count where asciiLowercased(bytes[index]) != expected[index] {
            return false
        }
        return true
    }

    /// A decimal of at most 9 digits (so no arithmetic can overflow), or nil.
    static func smallDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 9 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// Characters allowed in a header name (RFC 9110 `token`).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x61...0x7A, 0x41...0x5A, 0x30...0x39:
            true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E:
            true  // ! # $ % & ' * + - . ^ _ ` | ~
        default:
            false
        }
    }
}

extension UInt8 {
    fileprivate static let cr: UInt8 = 0x0D
    fileprivate static let lf: UInt8 = 0x0A
    fileprivate static let space: UInt8 = 0x20
    fileprivate static let tab: UInt8 = 0x09
    fileprivate static let colon: UInt8 = 0x3A
}

extension String {
    /// A folded line's text after the value so far, with one space between unless the value is empty.
    fileprivate mutating func append(joining more: String) {
        self += isEmpty ? more : " " + more
    }
}
