import SimWatchCore

/// The settings of an `opsgenie` webhook: the API integration's key, sent as
/// `Authorization: GenieKey …`, from a file or the environment (never inline).
public struct OpsgenieSettings: Sendable {
    /// Opsgenie's Alert API v2, used when an `opsgenie` webhook gives no URL; the EU region
    /// sets `url: https://api.eu.opsgenie.com/v2/alerts`.
    public static let alertsURL = "https://api.opsgenie.com/v2/alerts"

    public var apiKey: Secret

    public init(apiKey: Secret) {
        self.apiKey = apiKey
    }
}

extension OpsgenieSettings: FormatSettingsKeys {
    static let keys = ["api_key_file", "api_key_env"]
    static let formats: [WebhookFormat] = [.opsgenie]

    static func parse(_ entry: MappingReader, _ context: ConfigContext) -> OpsgenieSettings? {
        entry.secret(
            inline: nil, file: "api_key_file", env: "api_key_env", what: "Opsgenie API key", required: true, context
        ).map { OpsgenieSettings(apiKey: Secret($0.value)) }
    }

    static func reportForeign(_ entry: MappingReader, format: WebhookFormat) {
        for key in keys where entry.keyMark(key) != nil {
            entry.diagnostics.error("only opsgenie webhooks take an API key", at: entry.keyMark(key), entry.path.key(key))
        }
    }
}
