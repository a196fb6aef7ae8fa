import Foundation
import SimWatchConfig
import SimWatchCore

/// One HTTP body for one webhook message.
public struct WebhookPayload: Sendable, Equatable {
    public var contentType: String
    public var body: Data
    /// The ids of the events this message carries.
    public var eventIDs: [String]
    /// Headers this message needs besides `Content-Type` (ntfy's `Title`, Opsgenie's
    /// `Authorization`), in the order they are sent.
    public var headers: [PayloadHeader]
    /// Appended to the webhook's URL for this message (Opsgenie's `/{alias}/close?…`);
    /// already percent-encoded.
    public var urlSuffix: String

    public init(
        contentType: String = "application/json", body: Data, eventIDs: [String],
        headers: [PayloadHeader] = [], urlSuffix: String = ""
    ) {
        self.contentType = contentType
        self.body = body
        self.eventIDs = eventIDs
        self.headers = headers
        self.urlSuffix = urlSuffix
    }
}

/// One request header of a payload. The value may be a secret (`Authorization`), so
/// printing or dumping a header shows its name only.
public struct PayloadHeader: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public var description: String { "\(name): <redacted>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["name": name]) }
}

/// Turns a batch of events into the messages one webhook format accepts.
///
/// One conforming type per format (in `Alerts/Formats/`); a formatter splits a batch
/// into the fewest messages the format's limits allow and never drops an event.
public protocol WebhookFormatter: Sendable {
    /// The messages that carry `events`, in order.
    func payloads(for events: [Event]) throws -> [WebhookPayload]
}

extension FormatSettings {
    /// The formatter for this format and its settings: Alerts' one registration table.
    ///
    /// A new format adds one line here (the compiler asks for it: the switch is
    /// exhaustive), and so joins `FormatConformanceTests`. Nothing is parsed or compiled
    /// here: the template was compiled when the configuration loaded.
    public func formatter() -> any WebhookFormatter {
        switch self {
        case .slack(let chat): SlackFormatter(template: chat.eventTemplate(escaping: .slack))
        case .mattermost(let chat): MattermostFormatter(template: chat.eventTemplate(escaping: .mattermost))
        case .teams(let chat): TeamsFormatter(template: chat.eventTemplate(escaping: .teams))
        case .discord(let chat): DiscordFormatter(template: chat.eventTemplate(escaping: .discord))
        case .googleChat(let chat): GoogleChatFormatter(template: chat.eventTemplate(escaping: .googleChat))
        case .generic: GenericFormatter()
        case .alertmanager: AlertmanagerFormatter()
        case .pagerduty(let pagerDuty): PagerDutyFormatter(routingKey: pagerDuty.routingKey)
        case .telegram(let telegram): TelegramFormatter(chatID: telegram.chatID)
        case .ntfy(let ntfy): NtfyFormatter(token: ntfy.token)
        case .opsgenie(let opsgenie): OpsgenieFormatter(apiKey: opsgenie.apiKey)
        case .email(let email): EmailFormatter(settings: email)
        }
    }
}

extension WebhookSettings {
    /// The formatter for this webhook's format and settings; see `FormatSettings.formatter()`.
    public func formatter() -> any WebhookFormatter {
        settings.formatter()
    }
}

extension ChatSettings {
    /// The compiled template with the format's escaping of inserted values.
    func eventTemplate(escaping: EventTemplate.Escaping) -> EventTemplate? {
        template.map { EventTemplate($0, escaping: escaping) }
    }
}
