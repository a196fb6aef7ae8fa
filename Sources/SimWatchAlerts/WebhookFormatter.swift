import Foundation
import SimWatchConfig
import SimWatchCore

/// One HTTP body for one webhook message.
public struct WebhookPayload: Sendable, Equatable {
    public var contentType: String
    public var body: Data
    /// The ids of the events this message carries.
    public var eventIDs: [String]

    public init(contentType: String = "application/json", body: Data, eventIDs: [String]) {
        self.contentType = contentType
        self.body = body
        self.eventIDs = eventIDs
    }
}

/// Turns a batch of events into the messages one webhook format accepts.
///
/// One conforming type per format (in `Alerts/Formats/`); a formatter splits a batch
/// into the fewest messages the format's limits allow and never drops an event.
public protocol WebhookFormatter: Sendable {
    /// The messages that carry `events`, in order.
    func payloads(for events: [Event]) throws -> [WebhookPayload]
}

/// Why a webhook's formatter cannot be built; names the webhook, never its URL or key.
public struct WebhookFormatterError: Error, Equatable, CustomStringConvertible {
    public var webhook: String
    public var message: String

    public var description: String { "webhook \"\(webhook)\": \(message)" }
}

extension WebhookSettings {
    /// The formatter for this webhook's format, with its template and routing key.
    ///
    /// Throws `WebhookFormatterError` when the template does not compile or a
    /// `pagerduty` webhook has no routing key; configuration loading reports both first.
    public func formatter() throws -> any WebhookFormatter {
        switch format {
        case .generic: return GenericFormatter()
        case .alertmanager: return AlertmanagerFormatter()
        case .pagerduty:
            guard let routingKey else {
                throw WebhookFormatterError(webhook: name, message: "a pagerduty webhook needs a routing key")
            }
            return PagerDutyFormatter(routingKey: routingKey)
        case .slack: return SlackFormatter(template: try compiledTemplate(escaping: .slack))
        case .mattermost: return MattermostFormatter(template: try compiledTemplate(escaping: .mattermost))
        case .teams: return TeamsFormatter(template: try compiledTemplate(escaping: .teams))
        case .discord: return DiscordFormatter(template: try compiledTemplate(escaping: .discord))
        case .googleChat: return GoogleChatFormatter(template: try compiledTemplate(escaping: .googleChat))
        }
    }

    private func compiledTemplate(escaping: EventTemplate.Escaping = .none) throws -> EventTemplate? {
        guard let template else { return nil }
        do {
            return try EventTemplate(template, escaping: escaping)
        } catch {
            throw WebhookFormatterError(webhook: name, message: "template does not compile: \(error)")
        }
    }
}

