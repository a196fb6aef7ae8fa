/// The header fields of a response, collected from the lines libcurl hands over, parsed on bytes.
///
/// Every request passes through here, so nothing goes through Foundation: a line is trimmed
/// and split on its bytes, and becomes text once, UTF-8 when valid, otherwise ISO-8859-1.
/// Whatever a server sends, the result is bounded and well-formed:
/// - a status line (`HTTP/…`) starts a new response: only the final one's fields count
///   (after `100 Continue` or a proxy's `CONNECT` answer);
/// - a line without a colon, or whose name is not an RFC 9110 token (empty, spaces before
///   the colon, control or non-ASCII bytes), is dropped;
/// - an obsolete folded line (starting with a space or tab) continues the previous field's
///   value, joined with one space, as RFC 9112 §5.2 allows;
/// - at most `maxFields` fields of at most `maxValueBytes` bytes are kept; more is dropped.
struct ResponseHeaders {
    /// Fields kept per response; a server sending more is not telling us anything we read.
    static let maxFields = 256
    /// Longest value kept, folded continuations included (libcurl itself caps a line at 100 KB).
    static let maxValueBytes = 16 * 1024

    /// The fields in the order received, names as sent.
    private(set) var fields: [(name: String, value: String)] = []
    /// Whether the previous line stored a field that a folded line may continue.
    private var canContinue = false
    /// The body length the current response's `Content-Length` announces, when it is sane.
    private(set) var announcedLength: Int?

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
            fields.removeAll(keepingCapacity: true)
            announcedLength = nil
            canContinue = false
            return
        }
        if bytes[start] == .space || bytes[start] == .tab {
            continueValue(Self.trimmed(bytes, from: start, to: end))
            return
        }
        canContinue = false
        guard let colon = (start..<end).first(where: { bytes[$0] == .colon }),
              colon > start, (start..<colon).allSatisfy({ Self.isTokenByte(bytes[$0]) }),
              fields.count < Self.maxFields
        else { return }
        let nameBytes = UnsafeBufferPointer(rebasing: bytes[start..<colon])
        let valueBytes = Self.trimmed(bytes, from: colon + 1, to: end)
        guard valueBytes.count <= Self.maxValueBytes else { return }
        let name = String(decoding: nameBytes, as: UTF8.self)
        if Self.equalsIgnoringCase(nameBytes, "content-length") {
            announcedLength = Self.smallDecimal(valueBytes)
        }
        // A typical answer has 6 to 10 fields: one allocation instead of four growths.
        if fields.isEmpty { fields.reserveCapacity(12) }
        fields.append((name: name, value: Self.text(valueBytes)))
        canContinue = true
    }

    private mutating func continueValue(_ more: UnsafeBufferPointer<UInt8>) {
        guard canContinue, let last = fields.indices.last else { return }
        guard fields[last].value.utf8.count + 1 + more.count <= Self.maxValueBytes else {
            canContinue = false
            return
        }
        if more.isEmpty { return }
        fields[last].value += fields[last].value.isEmpty ? Self.text(more) : " " + Self.text(more)
    }

    // MARK: - Bytes

    /// UTF-8 when valid, otherwise ISO-8859-1, where every byte is the code point of its value.
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if let utf8 = String(validating: bytes, as: UTF8.self) { return utf8 }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// The bytes between `start` and `end` without leading and trailing spaces and tabs.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> UnsafeBufferPointer<UInt8> {
        var start = start
        var end = end
        while start < end, bytes[start] == .space || bytes[start] == .tab { start += 1 }
        while end > start, bytes[end - 1] == .space || bytes[end - 1] == .tab { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
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
        for index in 0..<bytes.count {
            let byte = bytes[index]
            let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if folded != expected[index] { return false }
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
