import CurlHTTP
import Foundation

/// Reads a fuzz input as an HTTP answer, in a text form that seed files can be written in:
///
///     429
///     Retry-After: 1e300
///     Content-Type: application/json
///
///     {"retry_after": 1.5}
///
/// The first line is the status, then header lines up to an empty line, then the body
/// (raw bytes, to the end). Header lines are decoded as `CurlTransfer` decodes them
/// (UTF-8, else ISO-8859-1; split at the first colon; value trimmed), so the decoders see
/// what libcurl would hand them. Every input is some answer: a bad status line means 200.
public enum HTTPAnswer {
    /// libcurl reports a status of three digits, 100 to 999.
    static let statuses = 100...999

    /// The answer `bytes` describe.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> HTTPResponse {
        let (head, body) = split(bytes)
        var lines = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).makeIterator()
        let status = lines.next().map(status(of:)) ?? 200
        var headers: [(name: String, value: String)] = []
        while let line = lines.next() {
            if let header = header(of: line) { headers.append(header) }
        }
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    /// Cuts at the first empty line (`\n\n` or `\r\n\r\n`); no empty line: all head, no body.
    private static func split(_ bytes: UnsafeBufferPointer<UInt8>) -> (head: ArraySlice<UInt8>, body: Data) {
        let all = Array(bytes)
        var index = 0
        while index < all.count {
            if all[index] == UInt8(ascii: "\n") {
                let next = index + 1
                if next < all.count, all[next] == UInt8(ascii: "\n") {
                    return (all[..<index], Data(all[(next + 1)...]))
                }
                if next + 1 < all.count, all[next] == UInt8(ascii: "\r"), all[next + 1] == UInt8(ascii: "\n") {
                    return (all[..<index], Data(all[(next + 2)...]))
                }
            }
            index += 1
        }
        return (all[...], Data())
    }

    private static func status(of line: ArraySlice<UInt8>) -> Int {
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count <= 3, let number = Int(text), statuses.contains(number) else { return 200 }
        return number
    }

    private static func header(of line: ArraySlice<UInt8>) -> (name: String, value: String)? {
        let data = Data(line)
        guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
            return nil
        }
        let trimmed = text.trimmingCharacters(in: .newlines)
        guard let colon = trimmed.firstIndex(of: ":") else { return nil }
        let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        return (name: String(trimmed[..<colon]), value: value)
    }
}
