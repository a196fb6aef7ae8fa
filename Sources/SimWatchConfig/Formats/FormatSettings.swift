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
        }
    }

    /// The URL a webhook of this format posts to when it gives none; `nil`: `url` is required.
    public var defaultURL: String? {
        self == .pagerduty ? PagerDutySettings.eventsURL : nil
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
    static let formatSettingsKeys: [any FormatSettingsKeys.Type] = [ChatSettings.self, PagerDutySettings.self]
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
        }
    }

    /// The settings of a chat format: the template.
    public var chat: ChatSettings? {
        switch self {
        case .slack(let chat), .teams(let chat), .discord(let chat), .googleChat(let chat), .mattermost(let chat): chat
        case .generic, .alertmanager, .pagerduty: nil
        }
    }

    /// Secrets besides the URL that must never appear in logs or errors.
    public var secrets: [Secret] {
        if case .pagerduty(let pagerDuty) = self { return [pagerDuty.routingKey] }
        return []
    }

    /// The settings of a format that takes no keys of its own, or of a chat format
    /// without template; `nil` for a format with required settings (PagerDuty).
    public static func plain(_ format: WebhookFormat) -> FormatSettings? {
        switch format {
        case .slack: .slack(ChatSettings())
        case .teams: .teams(ChatSettings())
        case .discord: .discord(ChatSettings())
        case .googleChat: .googleChat(ChatSettings())
        case .mattermost: .mattermost(ChatSettings())
        case .generic: .generic
        case .alertmanager: .alertmanager
        case .pagerduty: nil
        }
    }
}
