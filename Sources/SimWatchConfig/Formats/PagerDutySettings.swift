import SimWatchCore

/// The settings of a `pagerduty` webhook: the Events API v2 routing key, from a file
/// or the environment (never inline: it is a credential).
public struct PagerDutySettings: Sendable {
    /// PagerDuty's Events API v2 endpoint, used when a `pagerduty` webhook gives no URL.
    public static let eventsURL = "https://events.pagerduty.com/v2/enqueue"

    public var routingKey: Secret

    public init(routingKey: Secret) {
        self.routingKey = routingKey
    }
}

extension PagerDutySettings: FormatSettingsKeys {
    static let keys = ["routing_key_file", "routing_key_env"]
    static let formats: [WebhookFormat] = [.pagerduty]

    static func parse(_ entry: MappingReader, _ context: ConfigContext) -> PagerDutySettings? {
        entry.secret(
            inline: nil, file: "routing_key_file", env: "routing_key_env", what: "PagerDuty routing key",
            required: true, context
        ).map { PagerDutySettings(routingKey: Secret($0.value)) }
    }

    static func reportForeign(_ entry: MappingReader, format: WebhookFormat) {
        for key in keys where entry.keyMark(key) != nil {
            entry.diagnostics.error("only pagerduty webhooks take a routing key", at: entry.keyMark(key), entry.path.key(key))
        }
    }
}
