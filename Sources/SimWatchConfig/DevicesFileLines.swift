import Foundation

/// The entries of a devices file: one ICCID per line, an optional name after it, `#`
/// comments and blank lines, each with the line and column people see in an editor.
///
/// A fleet's file has 100,000 lines and every `run`, `once`, `status` and reload reads
/// it, so an ASCII file (the usual one) is split on its bytes. Any other text takes the
/// `Character` path, which decides what a line break, a blank and a column are; the byte
/// path gives the same answer on ASCII, where those are the same few bytes.
struct DevicesFileLines {
    /// One line that holds something besides blanks and a comment.
    struct Line: Equatable {
        /// 1-based, counting `\r\n` as one break.
        var number: Int
        /// 1-based column of the ICCID: the blanks before it, plus one.
        var column: Int
        /// The first word: what should be an ICCID.
        var token: String
        /// The rest of the line without the comment and outer blanks; empty when there is none.
        var rest: String
    }

    /// The lines of `text` that hold an entry, in file order.
    static func entries(_ text: String) -> [Line] {
        var text = text
        if let lines = text.withUTF8({ asciiEntries($0) }) { return lines }
        return characterEntries(text)
    }

    // MARK: ASCII, on bytes

    private static let lineFeed = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")

    /// `Character.isNewline` on ASCII: LF, VT, FF and CR.
    private static func isBreak(_ byte: UInt8) -> Bool { (0x0A...0x0D).contains(byte) }

    /// `Character.isWhitespace` and `CharacterSet.whitespaces` within an ASCII line: space and tab.
    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// `nil` when `bytes` is not all ASCII.
    private static func asciiEntries(_ bytes: UnsafeBufferPointer<UInt8>) -> [Line]? {
        guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
        var lines: [Line] = []
        var number = 1
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, !isBreak(bytes[end]) { end += 1 }
            if let line = asciiEntry(bytes, start..<end, number: number) { lines.append(line) }
            // CR LF is one Character, so one break.
            let breakLength = end + 1 < bytes.count && bytes[end] == carriageReturn && bytes[end + 1] == lineFeed ? 2 : 1
            start = end + breakLength
            number += 1
        }
        return lines
    }

    private static func asciiEntry(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, number: Int) -> Line? {
        var end = range.upperBound
        // A `#` at the start or after a blank starts a comment: names may contain `#`.
        var previousIsBlank = true
        for index in range {
            if bytes[index] == UInt8(ascii: "#"), previousIsBlank { end = index; break }
            previousIsBlank = isBlank(bytes[index])
        }
        while end > range.lowerBound, isBlank(bytes[end - 1]) { end -= 1 }
        var tokenStart = range.lowerBound
        while tokenStart < end, isBlank(bytes[tokenStart]) { tokenStart += 1 }
        guard tokenStart < end else { return nil }
        var tokenEnd = tokenStart
        while tokenEnd < end, !isBlank(bytes[tokenEnd]) { tokenEnd += 1 }
        var restStart = tokenEnd
        while restStart < end, isBlank(bytes[restStart]) { restStart += 1 }
        func text(_ part: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[part]), as: UTF8.self) }
        return Line(number: number, column: tokenStart - range.lowerBound + 1, token: text(tokenStart..<tokenEnd),
                    rest: text(restStart..<end))
    }

    // MARK: Any text, on Characters

    /// The reference the byte path must agree with (tests compare the two).
    static func characterEntries(_ text: String) -> [Line] {
        var lines: [Line] = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = withoutComment(rawLine)
            let indent = line.prefix(while: \.isWhitespace).count
            let content = line.dropFirst(indent)
            guard !content.isEmpty else { continue }
            let token = content.prefix(while: { !$0.isWhitespace })
            let rest = content.dropFirst(token.count).trimmingCharacters(in: .whitespaces)
            lines.append(Line(number: index + 1, column: indent + 1, token: String(token), rest: rest))
        }
        return lines
    }

    /// The line without a `#` comment (at the start or after a space): names may contain `#`.
    private static func withoutComment(_ line: Substring) -> Substring {
        var previous: Character = " "
        for index in line.indices {
            if line[index] == "#", previous.isWhitespace { return line[..<index] }
            previous = line[index]
        }
        return line.trimmingSuffix(while: \.isWhitespace)
    }
}

private extension Substring {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var result = self
        while let last = result.last, predicate(last) { result = result.dropLast() }
        return result
    }
}
