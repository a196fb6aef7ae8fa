import SimWatchCore

/// The payload format a webhook expects.
public enum WebhookFormat: String, Sendable, CaseIterable, Hashable {
    case slack
    case teams
    case discord
    case googleChat = "google_chat"
    case mattermost
    case generic
    case alertmanager
    case pagerduty
    case telegram
    case ntfy
    case opsgenie
    case email

    /// Reads the keys only this format takes: the Config half of a format's registration
    /// (Alerts' `FormatRegistry` is the other half).
    func settings(_ entry: MappingReader, _ context: ConfigContext) -> FormatSettings? {
        switch self {
        case .slack: ChatSettings.parse(entry, context).map(FormatSettings.slack)
        case .teams: ChatSettings.parse(entry, context).map(FormatSettings.teams)
        case .discord: ChatSettings.parse(entry, context).map(FormatSettings.discord)
        case .googleChat: ChatSettings.parse(entry, context).map(FormatSettings.googleChat)
        case .mattermost: ChatSettings.parse(entry, context).map(FormatSettings.mattermost)
        case .generic: .generic
        case .alertmanager: .alertmanager
        case .pagerduty: PagerDutySettings.parse(entry, context).map(FormatSettings.pagerduty)
        case .telegram: TelegramSettings.parse(entry, context).map(FormatSettings.telegram)
        case .ntfy: NtfySettings.parse(entry, context).map(FormatSettings.ntfy)
        case .opsgenie: OpsgenieSettings.parse(entry, context).map(FormatSettings.opsgenie)
        case .email: EmailSettings.parse(entry, context).map(FormatSettings.email)
        }
    }

    /// The URL a webhook of this format posts to when it gives none; `nil`: `url` is required.
    public var defaultURL: String? {
        switch self {
        case .pagerduty: PagerDutySettings.eventsURL
        case .opsgenie: OpsgenieSettings.alertsURL
        default: nil
        }
    }

    /// The URL schemes a webhook of this format may use: SMTP for e-mail, HTTP for the rest.
    public var urlSchemes: [String] {
        self == .email ? ["smtp", "smtps"] : ["http", "https"]
    }

    /// Whether a `template:` replaces the per-event text of this format.
    public var takesTemplate: Bool {
        ChatSettings.formats.contains(self)
    }
}

/// Keys that some formats take and others do not, parsed by the formats' own files.
protocol FormatSettingsKeys: Sendable {
    /// The keys, as written in a webhook's mapping.
    static var keys: [String] { get }
    /// The formats that take them.
    static var formats: [WebhookFormat] { get }
    /// Reports these keys on a webhook of `format`, which does not take them.
    static func reportForeign(_ entry: MappingReader, format: WebhookFormat)
}

extension ConfigWebhooks {
    /// Every per-format settings type; a new one joins here and in `WebhookFormat.settings`.
    static let formatSettingsKeys: [any FormatSettingsKeys.Type] = [
        ChatSettings.self, PagerDutySettings.self, TelegramSettings.self, NtfySettings.self, OpsgenieSettings.self,
        EmailSettings.self,
    ]
}

/// A webhook's format together with the settings only that format takes, typed: a
/// PagerDuty webhook cannot lack its routing key, nor a machine format carry a template.
public enum FormatSettings: Sendable {
    case slack(ChatSettings)
    case teams(ChatSettings)
    case discord(ChatSettings)
    case googleChat(ChatSettings)
    case mattermost(ChatSettings)
    case generic
    case alertmanager
    case pagerduty(PagerDutySettings)
    case telegram(TelegramSettings)
    case ntfy(NtfySettings)
    case opsgenie(OpsgenieSettings)
    case email(EmailSettings)

    public var format: WebhookFormat {
        switch self {
        case .slack: .slack
        case .teams: .teams
        case .discord: .discord
        case .googleChat: .googleChat
        case .mattermost: .mattermost
        case .generic: .generic
        case .alertmanager: .alertmanager
        case .pagerduty: .pagerduty
        case .telegram: .telegram
        case .ntfy: .ntfy
        case .opsgenie: .opsgenie
        case .email: .email
        }
    }

    /// The settings of a chat format: the template.
    public var chat: ChatSettings? {
        switch self {
        case .slack(let chat), .teams(let chat), .discord(let chat), .googleChat(let chat), .mattermost(let chat): chat
        case .generic, .alertmanager, .pagerduty, .telegram, .ntfy, .opsgenie, .email: nil
        }
    }

    /// Secrets besides the URL that must never appear in logs or errors.
    public var secrets: [Secret] {
        switch self {
        case .pagerduty(let pagerDuty): [pagerDuty.routingKey]
        case .ntfy(let ntfy): ntfy.token.map { [$0] } ?? []
        case .opsgenie(let opsgenie): [opsgenie.apiKey]
        case .email(let email): email.login.map { [$0.password] } ?? []
        default: []
        }
    }

    /// The settings of a format that takes no keys of its own, or of a chat format
    /// without template; `nil` for a format with required settings (PagerDuty, Telegram,
    /// Opsgenie, e-mail).
    public static func plain(_ format: WebhookFormat) -> FormatSettings? {
        switch format {
        case .slack: .slack(ChatSettings())
        case .teams: .teams(ChatSettings())
        case .discord: .discord(ChatSettings())
        case .googleChat: .googleChat(ChatSettings())
        case .mattermost: .mattermost(ChatSettings())
        case .generic: .generic
        case .alertmanager: .alertmanager
        case .ntfy: .ntfy(NtfySettings())
        case .pagerduty, .telegram, .opsgenie, .email: nil
        }
    }
}
