import SimWatchCore

/// The settings of an `email` webhook: sender, recipients and optional SMTP login. The
/// server is the webhook's URL: `smtps://host:465`, or `smtp://host:587` with STARTTLS.
public struct EmailSettings: Sendable {
    /// The envelope sender and the `From:` address.
    public var from: String
    /// Envelope recipients and the `To:` addresses; never empty.
    public var to: [String]
    /// SMTP AUTH user and password; `nil`: no AUTH.
    public var login: Login?

    /// An SMTP AUTH user name with its password.
    public struct Login: Sendable {
        public var username: String
        public var password: Secret

        public init(username: String, password: Secret) {
            self.username = username
            self.password = password
        }
    }

    public init(from: String, to: [String], login: Login? = nil) {
        self.from = from
        self.to = to
        self.login = login
    }

    /// A bare address, `local@domain`, in printable ASCII without the characters that
    /// would let it break out of a header or an SMTP command (spaces, `<>`, `,`, quotes,
    /// line breaks).
    static func parseAddress(_ text: String) throws(ValueProblem) -> String {
        let forbidden = Set("<>()[]\\,;:\"")
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }),
              !text.contains(where: forbidden.contains),
              parts[1].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })
        else {
            throw ValueProblem("expected an e-mail address like alerts@example.com (no name, no <>)")
        }
        return text
    }
}

extension EmailSettings: FormatSettingsKeys {
    static let keys = ["from", "to", "username", "password_file", "password_env"]
    static let formats: [WebhookFormat] = [.email]

    static func parse(_ entry: MappingReader, _ context: ConfigContext) -> EmailSettings? {
        let from = entry.scalar("from", required: true, expected: "an e-mail address", parseAddress)
        let to = recipients(entry)
        let username = entry.string("username")
        let password = entry.secret(
            inline: nil, file: "password_file", env: "password_env", what: "SMTP password", required: username != nil,
            context)
        let passwordGiven = ["password_file", "password_env"].first { entry.keyMark($0) != nil }
        if username == nil, let key = passwordGiven, entry.keyMark("username") == nil {
            entry.diagnostics.error(
                "a password needs a username: set username, or leave the password out for no SMTP AUTH",
                at: entry.keyMark(key), entry.path.key(key))
            return nil
        }
        guard let from, let to else { return nil }
        if username != nil, password == nil { return nil }
        let login = both(username, password).map { Login(username: $0, password: Secret($1.value)) }
        return EmailSettings(from: from, to: to, login: login)
    }

    /// `to`: a non-empty list of addresses (one address alone is accepted as a list of one).
    private static func recipients(_ entry: MappingReader) -> [String]? {
        let key = entry.path.key("to")
        guard let node = entry.required("to") else { return nil }
        if case .scalar = node {
            return MappingReader.scalar(node, key, expected: "an e-mail address", entry.diagnostics, parseAddress).map { [$0] }
        }
        guard case .sequence(let items) = node else {
            entry.diagnostics.error("expected a list of e-mail addresses; got \(node.shortDescription)", at: node.mark, key)
            return nil
        }
        guard !items.isEmpty else {
            entry.diagnostics.error("lists no recipient: give at least one address", at: node.mark, key)
            return nil
        }
        let addresses = items.enumerated().compactMap { index, item in
            MappingReader.scalar(item, key.index(index), expected: "an e-mail address", entry.diagnostics, parseAddress)
        }
        // A wrong element was reported where it is; the webhook is invalid as a whole.
        return addresses.count == items.count ? addresses : nil
    }

    static func reportForeign(_ entry: MappingReader, format: WebhookFormat) {
        for key in keys where entry.keyMark(key) != nil {
            entry.diagnostics.error("only email webhooks take \(key)", at: entry.keyMark(key), entry.path.key(key))
        }
    }
}

/// Both values, or `nil` when either is missing.
private func both<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
