import Foundation

/// Outside text made safe for one header line: ntfy's `Title`, an e-mail's `Subject`.
///
/// Line breaks and other control characters become spaces first, so a device name can
/// never end the header and start another (`\r\nBcc: …`). Text that is not printable
/// ASCII becomes RFC 2047 encoded-words (`=?UTF-8?B?…?=`), which both ntfy and mail
/// readers decode; each word holds whole code points and stays within 75 characters.
enum HeaderText {
    /// `text` on one line, at most `limit` bytes before encoding (cut with "…", keeping
    /// `keep`, an ICCID).
    static func sanitized(_ text: String, limit: Int, keep: String? = nil) -> String {
        let flat = String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            isControl(scalar) ? " " : scalar
        }))
        return TextFit.fit(flat, limit: limit, measure: .utf8, keep: keep)
    }

    /// The header value: `text` as it is when printable ASCII, else encoded-words joined
    /// by `separator` (a space for HTTP, CRLF and a space to fold an e-mail header).
    static func encoded(_ text: String, separator: String = " ") -> String {
        if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) { return text }
        var words: [String] = []
        var chunk = String.UnicodeScalarView()
        var bytes = 0
        // By code point, not by character: one character may join any number of them.
        for scalar in text.unicodeScalars {
            let size = UTF8.width(scalar)
            // 45 bytes are 60 base64 characters: with `=?UTF-8?B?` and `?=`, 72 in a word.
            if bytes + size > 45, !chunk.isEmpty {
                words.append(word(String(chunk)))
                chunk = String.UnicodeScalarView()
                bytes = 0
            }
            chunk.append(scalar)
            bytes += size
        }
        if !chunk.isEmpty { words.append(word(String(chunk))) }
        return words.joined(separator: separator)
    }

    private static func word(_ text: String) -> String {
        "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}
