import Foundation

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
/// One conforming type per format; a formatter splits a batch where the format's
/// limits demand and never drops an event.
public protocol WebhookFormatter: Sendable {
    /// The messages that carry `events`, in order.
    func payloads(for events: [Event]) throws -> [WebhookPayload]
}

extension WebhookFormat {
    /// The formatter for this format, or `nil` where this build cannot deliver it yet.
    public var formatter: (any WebhookFormatter)? {
        switch self {
        case .generic: GenericFormatter()
        case .slack, .teams, .discord, .googleChat, .mattermost, .alertmanager, .pagerduty: nil
        }
    }
}
