/// Escapes text from Control Center or the configuration (device names, labels, statuses,
/// plan names, summaries) for one chat format, so it can never mention everyone or a
/// user, nor inject links or markup.
///
/// Mentions are defused with a zero-width space after `@` and `<`: `@here`, `@everyone`,
/// `@all`, `<!channel>`, `<users/all>`, `<@123>`, `<at>` all stop being syntax while they
/// read the same. Every function maps one character, so `TextFit` can cut the result
/// without splitting an escape.
package enum ChatEscape: Sendable {
    case none
    case slack
    case discord
    case mattermost
    case teams
    case googleChat

    /// U+200B: invisible, and no chat service joins it into a mention or a tag.
    static let breaker = "\u{200B}"

    /// `character` as it must appear in this format's text.
    package func escape(_ character: Character) -> String {
        switch self {
        case .none: String(character)
        case .slack: Self.forSlack(character)
        case .discord: Self.forDiscord(character)
        case .mattermost, .teams: Self.forMarkdown(character)
        case .googleChat: Self.forGoogleChat(character)
        }
    }

    /// `text` escaped character by character.
    package func escape(_ text: String) -> String {
        self == .none ? text : text.map(escape).joined()
    }

    /// Slack mrkdwn: its three control characters as entities (which also ends `<!here>`,
    /// `<@U123>` and `<url|text>`), and a defused `@`.
    static func forSlack(_ character: Character) -> String {
        switch character {
        case "&": "&amp;"
        case "<": "&lt;"
        case ">": "&gt;"
        case "@": "@" + breaker
        default: String(character)
        }
    }

    /// Discord markdown: emphasis, code, spoiler and link characters backslash-escaped;
    /// `@` defused, which also ends `<@123>` and `<@&123>`; `<` defused for `<#channel>`.
    static func forDiscord(_ character: Character) -> String {
        switch character {
        case "\\", "*", "_", "~", "`", "|", "[", "]": "\\" + String(character)
        case "@", "<": String(character) + breaker
        default: String(character)
        }
    }

    /// Mattermost and Teams markdown: `@` and `<` defused (Mattermost also reads Slack's
    /// `<!channel>`; Teams reads `<at>`), and `]` so no `[text](url)` link can form.
    static func forMarkdown(_ character: Character) -> String {
        switch character {
        case "@", "<", "]": String(character) + breaker
        default: String(character)
        }
    }

    /// Telegram's HTML parse mode: its three special characters as the entities it
    /// documents, and a defused `@`, so no `@username` mention forms: exactly Slack's set.
    static func forTelegramHTML(_ character: Character) -> String {
        forSlack(character)
    }

    /// Google Chat: `<` defused, which ends `<users/all>` and `<url|text>` links; `@` too.
    static func forGoogleChat(_ character: Character) -> String {
        switch character {
        case "@", "<": String(character) + breaker
        default: String(character)
        }
    }
}
