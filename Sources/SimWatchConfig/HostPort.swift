#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `host:port` to listen on, as `metrics.listen` gives it: parsed once, by `check` and `run` alike.
///
/// The host is an IPv4 literal (`127.0.0.1`, `0.0.0.0`), a bracketed IPv6 literal (`[::1]`,
/// `[::]`) or `localhost` (IPv4 loopback). Names that would need DNS are refused: a daemon
/// that binds at start must not depend on a resolver, and `check` must fail where `run` would.
public struct HostPort: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The two address families a listen address can have.
    public enum Family: Sendable, Equatable, Hashable {
        case ipv4
        case ipv6
    }

    /// The host as written, without brackets: `127.0.0.1`, `::1`, `localhost`.
    public var host: String
    /// The IP literal to bind: `host`, except `localhost`, which is `127.0.0.1`.
    public var ip: String
    public var family: Family
    public var port: UInt16

    public init(host: String, ip: String, family: Family, port: UInt16) {
        self.host = host
        self.ip = ip
        self.family = family
        self.port = port
    }

    /// `127.0.0.1:9464`, `[::1]:9464`: the form `parse` reads back.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Why text is not a listen address; the message starts with what is expected.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Parses `127.0.0.1:9464`, `[::1]:9464` or `localhost:9464`.
    ///
    /// Port 0 (the kernel picks one) is refused unless `allowPortZero`: Prometheus could not
    /// find such an endpoint, so only tests ask for it.
    public static func parse(_ text: String, allowPortZero: Bool = false) throws(ParseError) -> HostPort {
        let syntax = ParseError(message: "expected host:port, e.g. 127.0.0.1:9464; got \(quoted(text))")
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[close...].hasPrefix("]:") else { throw syntax }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
            guard !host.isEmpty else { throw syntax }
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw syntax }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            // An unbracketed IPv6 literal cannot be told apart from its port.
            guard !host.isEmpty, !host.contains(":") else { throw syntax }
        }
        // Digits only: `UInt16("+80")` would accept a sign; at most 5 digits keeps it short.
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = UInt16(portText), port > 0 || allowPortZero
        else {
            let range = allowPortZero ? "0 to 65535" : "1 to 65535"
            throw ParseError(message: "expected host:port, e.g. 127.0.0.1:9464; got \(quoted(text)): the port must be a number from \(range)")
        }
        let name = String(host)
        if name == "localhost" { return HostPort(host: name, ip: "127.0.0.1", family: .ipv4, port: port) }
        if text.hasPrefix("[") {
            guard isLiteral(name, family: AF_INET6) else {
                throw ParseError(message: "expected host:port with an IPv6 address in brackets, e.g. [::1]:9464; got \(quoted(text))")
            }
            return HostPort(host: name, ip: name, family: .ipv6, port: port)
        }
        guard isLiteral(name, family: AF_INET) else {
            throw ParseError(message: "expected host:port with an IP address or localhost as the host, e.g. 127.0.0.1:9464; "
                + "\(quoted(name)) is not an IP address (names would need DNS; write the address to bind)")
        }
        return HostPort(host: name, ip: name, family: .ipv4, port: port)
    }

    /// Whether `text` is an address literal of the family, by the same `inet_pton` that binding uses.
    private static func isLiteral(_ text: String, family: Int32) -> Bool {
        guard !text.isEmpty, text.count <= 64, text.allSatisfy(\.isASCII) else { return false }
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(family, text, &buffer) == 1
    }

    /// The text in quotes, shortened: a listen address is not secret, but it may be long.
    private static func quoted(_ text: String) -> String {
        "\"\(text.count > 60 ? String(text.prefix(60)) + "…" : text)\""
    }
}
