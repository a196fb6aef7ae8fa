/// The settings of the chat formats (slack, mattermost, teams, discord, google_chat):
/// an optional `template:` for each event's text, compiled once when the file loads.
public struct ChatSettings: Sendable {
    /// `nil`: the format's own text.
    public var template: CompiledTemplate?

    public init(template: CompiledTemplate? = nil) {
        self.template = template
    }
}

extension ChatSettings: FormatSettingsKeys {
    static let keys = ["template"]
    static let formats: [WebhookFormat] = [.slack, .mattermost, .teams, .discord, .googleChat]

    /// Reads `template`; a template that does not compile is an error at its value,
    /// saying where inside it.
    static func parse(_ entry: MappingReader, _ context: ConfigContext) -> ChatSettings? {
        guard entry.has("template") else { return ChatSettings() }
        let template = entry.scalar("template", expected: "a string") { (text) throws(ValueProblem) in
            do {
                return try CompiledTemplate(text)
            } catch {
                throw ValueProblem("template does not compile: \(error)")
            }
        }
        return template.map(ChatSettings.init)
    }

    static func reportForeign(_ entry: MappingReader, format: WebhookFormat) {
        guard entry.keyMark("template") != nil else { return }
        // Telegram, ntfy and e-mail are read by people, but write their own text.
        let reason = [.telegram, .ntfy, .email].contains(format) ? "writes its own text" : "has no text for people"
        entry.diagnostics.warning(
            "the \(format.rawValue) format \(reason): template is ignored",
            at: entry.keyMark("template"), entry.path.key("template"))
    }
}
