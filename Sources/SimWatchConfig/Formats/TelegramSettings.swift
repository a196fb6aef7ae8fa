import Foundation

/// The settings of a `telegram` webhook: the chat the bot posts to. The bot's token is
/// in the webhook's URL (`https://api.telegram.org/bot<TOKEN>/sendMessage`), which is why
/// that URL belongs in `url_file` or `url_env`.
public struct TelegramSettings: Sendable, Equatable {
    /// A numeric chat id (`-1001234567890`) or a public channel's `@username`.
    public enum ChatID: Sendable, Equatable, CustomStringConvertible {
        case number(Int64)
        case username(String)

        public var description: String {
            switch self {
            case .number(let number): String(number)
            case .username(let name): name
            }
        }
    }

    public var chatID: ChatID

    public init(chatID: ChatID) {
        self.chatID = chatID
    }

    /// A chat id as Telegram issues them: an integer, or `@` and 5 to 32 letters, digits or `_`.
    static func parseChatID(_ text: String) throws(ValueProblem) -> ChatID {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            // Int64 parsing refuses what does not fit: no trap on 30 digits.
            guard let number = Int64(text) else { throw ValueProblem("chat id \(text) is out of range") }
            return .number(number)
        }
        let name = text.dropFirst()
        guard text.hasPrefix("@"), (5...32).contains(name.count),
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else {
            throw ValueProblem("expected a numeric chat id (e.g. -1001234567890) or a channel's @username")
        }
        return .username(text)
    }
}

extension TelegramSettings {
    /// Warns when the URL is not a Bot API `sendMessage` URL (a token alone, or a path
    /// without the method), naming what is expected and never the URL.
    static func checkURL(_ url: ResolvedSecret, _ entry: MappingReader) {
        guard !url.deferred, let components = URLComponents(string: url.value) else { return }
        let segments = components.path.split(separator: "/")
        guard segments.count != 2 || !segments[0].hasPrefix("bot") || segments[1] != "sendMessage" else { return }
        entry.diagnostics.warning(
            "a Telegram URL is https://api.telegram.org/bot<TOKEN>/sendMessage; \(url.origin) holds another path",
            at: entry.valueMark(url.key), entry.path.key(url.key))
    }
}

extension TelegramSettings: FormatSettingsKeys {
    static let keys = ["chat_id"]
    static let formats: [WebhookFormat] = [.telegram]

    static func parse(_ entry: MappingReader, _ context: ConfigContext) -> TelegramSettings? {
        entry.scalar("chat_id", required: true, expected: "a chat id", parseChatID).map(TelegramSettings.init)
    }

    static func reportForeign(_ entry: MappingReader, format: WebhookFormat) {
        guard entry.keyMark("chat_id") != nil else { return }
        entry.diagnostics.error("only telegram webhooks take a chat_id", at: entry.keyMark("chat_id"), entry.path.key("chat_id"))
    }
}
