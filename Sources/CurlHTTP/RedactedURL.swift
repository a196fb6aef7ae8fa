import CCurl
import Foundation

/// What of a request URL may appear in an error: its scheme and host, never path or query.
///
/// Webhook URLs carry their token in the path or query, so every message that might echo the URL
/// goes through `scrub(_:)`, which removes those parts wherever they appear: verbatim, JSON-escaped
/// (`\/`) and percent-encoded, since a receiver that quotes the request back may use either.
/// This is the one redaction helper of simwatch: Control Center answers, webhook answers and
/// transport errors all go through it.
public struct RedactedURL: Sendable {
    /// Lowercased scheme, e.g. `https`; nil when the URL has none.
    public let scheme: String?
    /// Host name or address, without user info or port; nil when the URL has none.
    public let host: String?
    /// Why libcurl's URL parser rejected the URL, if it did.
    let parseFailure: String?
    private let fullURL: String
    /// Substrings of the URL (and credentials) that must not appear in a message, longest first;
    /// worked out on the first `scrub`, since most URLs (one per request) never need it.
    private let secrets: SecretList

    /// - Parameters:
    ///   - url: the request URL; its path, query, fragment and user info are secret.
    ///   - password: the Basic auth password, if any.
    ///   - secrets: anything else that must never be shown (an API key, its Base64 form).
    public init(_ url: String, password: String? = nil, secrets: [String] = []) {
        let parts = URLParts(url)
        scheme = parts.scheme?.lowercased()
        host = parts.host.flatMap { $0.isEmpty ? nil : $0 }
        parseFailure = parts.failure
        fullURL = url
        self.secrets = SecretList(url: url, parts: parts, password: password, extra: secrets)
    }

    /// The scheme of `url` (lowercased) as libcurl's URL parser reads it, or why the parser
    /// rejects the URL: a handle is set up only for a URL that passes, so a bad one fails
    /// with the parser's reason before anything is sent.
    static func scheme(of url: String) -> (scheme: String?, failure: String?) {
        guard let handle = curl_url() else { return (nil, "out of memory") }
        defer { curl_url_cleanup(handle) }
        let code = curl_url_set(handle, CURLUPART_URL, url, UInt32(CURLU_NON_SUPPORT_SCHEME))
        guard code == CURLUE_OK else { return (nil, String(cString: curl_url_strerror(code))) }
        return (URLParts.part(CURLUPART_SCHEME, of: handle)?.lowercased(), nil)
    }

    /// `scheme://host`, or whichever of the two is known, for messages.
    public var origin: String {
        switch (scheme, host) {
        case let (scheme?, host?): "\(scheme)://\(host)"
        case let (nil, host?): host
        case let (scheme?, nil): "\(scheme)://"
        case (nil, nil): "<unparseable URL>"
        }
    }

    /// The message with every part of the URL beyond scheme and host replaced by `<redacted>`,
    /// and any other URL in it cut back to scheme and host.
    public func scrub(_ message: String) -> String {
        // The URL as a whole becomes its origin, so the message still says where it went.
        var result = fullURL.count >= 6 ? message.replacingAll(fullURL, with: origin) : message
        for secret in secrets.all {
            result = result.replacingAll(secret, with: "<redacted>")
        }
        return Self.truncatingEmbeddedURLs(result)
    }

    /// The start of a body as one printable line, scrubbed, for logs, `status` and dead letters.
    ///
    /// The whole text is scrubbed before it is cut, so a secret straddling the cut is not
    /// left half-visible. UTF-8 when valid, otherwise ISO-8859-1 (which Control Center uses
    /// for some errors); line breaks become spaces and other control characters are dropped.
    public func excerpt(_ body: some Collection<UInt8>, limit: Int = 200) -> String {
        let bytes = Array(body.prefix(64 * 1024))
        let text = String(validating: bytes, as: UTF8.self) ?? String(bytes.map { Character(Unicode.Scalar($0)) })
        let scrubbed = scrub(Self.printableLine(text))
        var cut = ""
        var used = 0
        for character in scrubbed {
            used += character.utf8.count
            if used > limit { return cut + "…" }
            cut.append(character)
        }
        return cut
    }

    /// `text` on one line: each run of line breaks and tabs becomes one space, other control
    /// characters (C0, DEL, C1) go.
    ///
    /// This comes before scrubbing: dropped afterwards, a control character that split a
    /// secret in two would join its halves again, unredacted (found by fuzzing).
    static func printableLine(_ text: String) -> String {
        var line = String.UnicodeScalarView()
        var inBreak = false
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09...0x0D, 0x85, 0x2028, 0x2029:
                if !inBreak { line.append(" ") }
                inBreak = true
            case 0..<0x20, 0x7F...0x9F:
                continue
            default:
                line.append(scalar)
                inBreak = false
            }
        }
        return String(line)
    }

    /// How JSON writers that escape slashes show `text`.
    ///
    /// A form of a secret to look for, not a JSON writer (that is SimWatchCore's `JSONByteWriter`,
    /// which CurlHTTP, below SimWatchCore, cannot import).
    static func jsonEscaped(_ text: String) -> String {
        text.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"").replacingAll("/", with: "\\/")
    }

    /// `text` percent-encoded as a query value would be (unreserved characters kept).
    static func percentEncoded(_ text: String) -> String {
        var unreserved = CharacterSet.alphanumerics
        unreserved.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// Cuts every `scheme://...` span back to `scheme://host`.
    static func truncatingEmbeddedURLs(_ message: String) -> String {
        var output = ""
        var rest = Substring(message)
        while let marker = rest.range(of: "://") {
            output += rest[..<marker.upperBound]
            var authority = rest[marker.upperBound...].prefix { !" \t\r\n\"'<>".contains($0) }
            let spanEnd = authority.endIndex
            if let pathStart = authority.firstIndex(where: { "/?#".contains($0) }) {
                authority = authority[..<pathStart]
            }
            if let at = authority.lastIndex(of: "@") {
                authority = authority[authority.index(after: at)...]
            }
            output += authority
            rest = rest[spanEnd...]
        }
        return output + rest
    }
}

/// What `RedactedURL.scrub` replaces, built once, on first use, by whichever thread needs it first.
private final class SecretList: @unchecked Sendable {
    private let lock = NSLock()
    /// Inputs until the list is built, then nil.
    private var sources: (url: String, parts: URLParts, password: String?, extra: [String])?
    private var built: [String] = []

    init(url: String, parts: URLParts, password: String?, extra: [String]) {
        sources = (url, parts, password, extra)
    }

    /// Every secret substring, longest first.
    var all: [String] {
        lock.withLock {
            if let sources {
                built = Self.build(url: sources.url, parts: sources.parts, password: sources.password, extra: sources.extra)
                self.sources = nil
            }
            return built
        }
    }

    private static func build(url: String, parts: URLParts, password: String?, extra: [String]) -> [String] {
        let wholeParts = [parts.path, parts.query, parts.fragment, parts.user, parts.password, password]
            .compactMap { $0 }
            .filter { $0.count >= 2 }
        // Single segments and query values too, as libcurl may quote one on its own; short ones
        // are left alone because they carry no token and would garble ordinary words.
        let tokenSources = parts.failure == nil ? [parts.path, parts.query, parts.fragment].compactMap { $0 } : [url]
        let tokens = tokenSources
            .flatMap { $0.split(whereSeparator: { "/?#&=;:@".contains($0) }) }
            .map(String.init)
            .filter { $0.count >= 6 && $0 != parts.host }
        let plain = wholeParts + tokens + extra.filter { $0.count >= 2 }
        let encoded = plain.flatMap { [RedactedURL.jsonEscaped($0), RedactedURL.percentEncoded($0)] }
        return Set(plain + encoded).sorted { $0.count > $1.count }
    }
}

/// The parts of a URL as libcurl's own URL parser sees them.
private struct URLParts {
    var scheme: String?
    var host: String?
    var user: String?
    var password: String?
    var path: String?
    var query: String?
    var fragment: String?
    /// Why the parser rejected the URL; nil when it accepted it.
    var failure: String?

    init(_ url: String) {
        guard let handle = curl_url() else {
            failure = "out of memory"
            return
        }
        defer { curl_url_cleanup(handle) }
        let code = curl_url_set(handle, CURLUPART_URL, url, UInt32(CURLU_NON_SUPPORT_SCHEME))
        guard code == CURLUE_OK else {
            failure = String(cString: curl_url_strerror(code))
            return
        }
        func part(_ which: CURLUPart) -> String? { Self.part(which, of: handle) }
        scheme = part(CURLUPART_SCHEME)
        host = part(CURLUPART_HOST)
        user = part(CURLUPART_USER)
        password = part(CURLUPART_PASSWORD)
        path = part(CURLUPART_PATH).flatMap { $0 == "/" ? nil : $0 }
        query = part(CURLUPART_QUERY)
        fragment = part(CURLUPART_FRAGMENT)
    }

    /// One part of a parsed URL, nil when it has none.
    static func part(_ which: CURLUPart, of handle: OpaquePointer) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, which, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var output = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            output += rest[..<range.lowerBound]
            output += replacement
            rest = rest[range.upperBound...]
        }
        return output + rest
    }
}
