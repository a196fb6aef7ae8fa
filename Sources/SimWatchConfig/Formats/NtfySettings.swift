import SimWatchCore

/// The settings of an `ntfy` webhook: an optional access token for a protected topic,
/// sent as `Authorization: Bearer …`, from a file or the environment.
public struct NtfySettings: Sendable {
    /// `nil`: the topic is open (its name is the password).
    public var token: Secret?

    public init(token: Secret? = nil) {
        self.token = token
    }
}

extension NtfySettings: FormatSettingsKeys {
    static let keys = ["token_file", "token_env"]
    static let formats: [WebhookFormat] = [.ntfy]

    static func parse(_ entry: MappingReader, _ context: ConfigContext) -> NtfySettings? {
        let given = keys.contains { entry.keyMark($0) != nil }
        let token = entry.secret(
            inline: nil, file: "token_file", env: "token_env", what: "ntfy access token", required: false, context)
        // A token that was given but could not be read is an error already reported.
        if given, token == nil { return nil }
        return NtfySettings(token: token.map { Secret($0.value) })
    }

    static func reportForeign(_ entry: MappingReader, format: WebhookFormat) {
        for key in keys where entry.keyMark(key) != nil {
            entry.diagnostics.error("only ntfy webhooks take an access token", at: entry.keyMark(key), entry.path.key(key))
        }
    }
}
