import Foundation

/// One e-mail handed to an SMTP server: the envelope and the message as it is sent.
public struct MailRequest: Sendable {
    /// `smtps://host[:port]` (TLS from the start) or `smtp://host[:port]` (STARTTLS required,
    /// except to a loopback address; see `MailRequest.Security`).
    public var url: String
    /// The envelope sender (`MAIL FROM`), a bare address.
    public var from: String
    /// The envelope recipients (`RCPT TO`), bare addresses.
    public var recipients: [String]
    /// The message, headers and body, with CRLF line ends; libcurl dot-stuffs it.
    public var message: Data
    /// SMTP AUTH credentials; `nil`: no AUTH.
    public var login: BasicAuth?
    public var timeout: Duration
    public var connectTimeout: Duration

    public init(
        url: String, from: String, recipients: [String], message: Data, login: BasicAuth? = nil,
        timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(10)
    ) {
        self.url = url
        self.from = from
        self.recipients = recipients
        self.message = message
        self.login = login
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }

    /// How the connection to the server is protected.
    public enum Security: Sendable, Equatable {
        /// `smtps://`: TLS from the first byte.
        case implicitTLS
        /// `smtp://`: the server must offer STARTTLS, or the transfer fails before any
        /// credential or message is sent.
        case startTLS
        /// `smtp://` to 127.0.0.0/8, `::1` or `localhost`: a local relay, whose traffic
        /// never leaves the host, may be spoken to in plain text.
        case loopbackPlain
    }

    /// The protection `url` gets; `nil` for a URL that is neither smtp nor smtps.
    public static func security(of url: String) -> Security? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else { return nil }
        switch scheme {
        case "smtps": return .implicitTLS
        case "smtp": return isLoopback(components.host ?? "") ? .loopbackPlain : .startTLS
        default: return nil
        }
    }

    private static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}

/// What the SMTP server answered last: 250 when it took the message.
public struct MailReceipt: Sendable, Equatable {
    public var code: Int

    public init(code: Int) {
        self.code = code
    }
}
