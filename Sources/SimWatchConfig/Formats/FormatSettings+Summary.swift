extension FormatSettings {
    /// What `check` shows of a format's own settings, never a secret: the chat, the
    /// recipients and whether a login or token is set; `nil` when there is nothing to show.
    public var summary: String? {
        switch self {
        case .telegram(let telegram): "chat \(telegram.chatID)"
        case .ntfy(let ntfy): ntfy.token == nil ? "open topic" : "access token set"
        case .opsgenie: "API key set"
        case .pagerduty: "routing key set"
        case .email(let email):
            "from \(email.from) to \(email.to.joined(separator: ", "))"
                + (email.login.map { "; SMTP AUTH as \($0.username)" } ?? "; no SMTP AUTH")
        case .slack, .teams, .discord, .googleChat, .mattermost, .generic, .alertmanager: nil
        }
    }
}
