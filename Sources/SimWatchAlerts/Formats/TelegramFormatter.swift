import Foundation
import SimWatchConfig
import SimWatchCore

/// Telegram Bot API `sendMessage` in HTML parse mode: a bold header line and one block
/// per event, as many events per message as 4,096 characters allow.
///
/// Telegram counts the text after parsing entities, in UTF-16 units; the limit is held
/// on the HTML as sent (tags and entities included), which is never less. Only tags of
/// Telegram's HTML subset are written (`<b>`, `<i>`, `<code>`), and every outside text
/// is escaped, `@` included, so a device name can neither inject markup nor mention.
public struct TelegramFormatter: WebhookFormatter {
    static let maxText = 4_096
    static let maxFact = 256

    package let chatID: TelegramSettings.ChatID

    public init(chatID: TelegramSettings.ChatID) {
        self.chatID = chatID
    }

    public func payloads(for events: [Event]) throws -> [WebhookPayload] {
        let header = Self.header(AlertText.longestBatchTitle(count: events.count))
        let overhead = TextMeasure.utf16.cost(header)
        let blocks = events.map { block($0, limit: Self.maxText - overhead - 2) }
        let packing = MessagePacking(maxItems: .max, maxSize: Self.maxText, overhead: overhead)
        let groups = packing.groups(costs: blocks.map { TextMeasure.utf16.cost($0) + 2 })
        return groups.enumerated().map { part, range in
            let title = AlertText.batchTitle(for: events, part: part + 1, of: groups.count)
            let text = ([Self.header(title)] + blocks[range]).joined(separator: "\n\n")
            return WebhookPayload(body: body(text: text).data, eventIDs: events[range].map(\.id))
        }
    }

    /// The JSON `sendMessage` takes; a numeric chat id goes as a number, a username as a string.
    package func body(text: String) -> JSONValue {
        let chat: JSONValue = switch chatID {
        case .number(let number): .int(number)
        case .username(let name): .string(name)
        }
        return .object([
            ("chat_id", chat),
            ("text", .string(text)),
            ("parse_mode", .string("HTML")),
            ("disable_web_page_preview", .bool(true)),
        ])
    }

    static func header(_ title: String) -> String {
        "<b>\(ChatEscape.escapeTelegram(title))</b>"
    }

    /// `<b>🔴 Status changed</b>`, the summary, then one `<i>Name:</i> value` line per fact;
    /// the summary is cut so that the block fits in `limit` (it keeps the ICCID).
    func block(_ event: Event, limit: Int) -> String {
        let headline = "<b>\(ChatEscape.escapeTelegram(AlertText.headline(of: event)))</b>"
        let facts = AlertText.facts(of: event).map { fact in
            let value = TextFit.fit(fact.value, limit: Self.maxFact, measure: .utf16, escape: ChatEscape.forTelegramHTML)
            return fact.name == "ICCID" ? "<i>\(fact.name):</i> <code>\(value)</code>" : "<i>\(fact.name):</i> \(value)"
        }
        let rest = TextMeasure.utf16.cost(headline) + facts.reduce(0) { $0 + TextMeasure.utf16.cost($1) + 1 } + 1
        let summary = TextFit.fit(
            event.summary, limit: max(1, limit - rest), measure: .utf16, escape: ChatEscape.forTelegramHTML,
            keep: event.iccid)
        return ([headline, summary] + facts).joined(separator: "\n")
    }
}

extension ChatEscape {
    /// Text escaped for Telegram's HTML parse mode.
    static func escapeTelegram(_ text: String) -> String {
        text.map(forTelegramHTML).joined()
    }
}
