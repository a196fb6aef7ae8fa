import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One client's conversation with the sink, on the session's thread.
struct SMTPSession {
    let connection: Int32
    let login: (user: String, password: String)?
    private var buffer: [UInt8] = []
    private var from: String?
    private var recipients: [String] = []
    private var user: String?

    init(connection: Int32, login: (user: String, password: String)?) {
        self.connection = connection
        self.login = login
    }

    mutating func run(record: (SMTPSink.Message) -> Void) {
        reply("220 simwatch-sink ESMTP")
        while let line = readLine() {
            let verb = line.prefix { $0 != " " }.uppercased()
            let argument = line.drop { $0 != " " }.dropFirst()
            switch verb {
            case "EHLO":
                reply(login == nil ? "250-simwatch-sink\r\n250 8BITMIME" : "250-simwatch-sink\r\n250-8BITMIME\r\n250 AUTH PLAIN")
            case "HELO": reply("250 simwatch-sink")
            case "AUTH": authenticate(String(argument))
            case "MAIL":
                if login != nil, user == nil { reply("530 authentication required"); continue }
                from = Self.address(argument)
                recipients = []
                reply("250 OK")
            case "RCPT":
                guard from != nil else { reply("503 MAIL first"); continue }
                recipients.append(Self.address(argument))
                reply("250 OK")
            case "DATA":
                guard let sender = from, !recipients.isEmpty else { reply("503 RCPT first"); continue }
                reply("354 end with <CRLF>.<CRLF>")
                guard let data = readData() else { return }
                record(SMTPSink.Message(from: sender, recipients: recipients, data: data, user: user))
                from = nil
                recipients = []
                reply("250 OK queued")
            case "RSET":
                from = nil
                recipients = []
                reply("250 OK")
            case "NOOP": reply("250 OK")
            case "QUIT":
                reply("221 bye")
                return
            default: reply("502 command not implemented")
            }
        }
    }

    /// `AUTH PLAIN [initial response]`: base64 of `\0user\0password`.
    private mutating func authenticate(_ argument: String) {
        let parts = argument.split(separator: " ")
        guard let login, parts.first?.uppercased() == "PLAIN" else { reply("504 mechanism not supported"); return }
        var response = parts.count > 1 ? String(parts[1]) : nil
        if response == nil {
            reply("334 ")
            response = readLine()
        }
        let fields = response.flatMap { Data(base64Encoded: $0) }.map { $0.split(separator: 0, omittingEmptySubsequences: false) }
        let given = fields.map { $0.map { String(decoding: $0, as: UTF8.self) } } ?? []
        if given.count == 3, given[1] == login.user, given[2] == login.password {
            user = login.user
            reply("235 authenticated")
        } else {
            reply("535 authentication failed")
        }
    }

    /// `FROM:<a@b>` or `TO:<a@b> SIZE=…` to `a@b`.
    private static func address(_ argument: Substring) -> String {
        guard let open = argument.firstIndex(of: "<"), let close = argument[open...].firstIndex(of: ">") else {
            return String(argument.drop { $0 != ":" }.dropFirst())
        }
        return String(argument[argument.index(after: open)..<close])
    }

    /// The lines up to `.`, with dot-stuffing removed, each ending in CRLF.
    private mutating func readData() -> Data? {
        var data = Data()
        while let line = readLine() {
            if line == "." { return data }
            data.append(contentsOf: Array((line.hasPrefix(".") ? String(line.dropFirst()) : line).utf8))
            data.append(contentsOf: [0x0D, 0x0A])
        }
        return nil
    }

    /// The next line without its CRLF; `nil` when the client hung up or went quiet.
    private mutating func readLine() -> String? {
        while true {
            if let end = buffer.firstIndex(of: 0x0A) {
                var line = Array(buffer[..<end])
                buffer.removeFirst(end + 1)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    private func reply(_ text: String) {
        let bytes = Array((text + "\r\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            sent += count
        }
    }
}
