import Foundation
import SimWatchCore
import Yams

extension WebhookSettings {
    /// PagerDuty's Events API v2 endpoint, used when a `pagerduty` webhook gives no URL.
    public static let pagerDutyEventsURL = "https://events.pagerduty.com/v2/enqueue"
}

/// `webhooks`: where alerts go, each with a unique name and its URL kept secret.
enum ConfigWebhooks {
    package static let keys = [
        "name", "format", "url", "url_file", "url_env", "routing_key_file", "routing_key_env",
        "kinds", "min_severity", "template",
    ]
    /// Kinds a webhook may subscribe to; `test` always passes and is not configurable.
    static let subscribableKinds = EventKind.allCases.filter { $0 != .test }

    package static func load(_ root: MappingReader, _ context: ConfigContext) -> [WebhookSettings] {
        var firstUse: [String: KeyPath] = [:]
        let webhooks = root.list("webhooks") { node, path -> WebhookSettings? in
            guard let entry = MappingReader(node, path, known: keys, context.diagnostics) else { return nil }
            let name = entry.string("name", required: true)
            if let name {
                if let first = firstUse[name] {
                    context.diagnostics.error(
                        "duplicate webhook name \"\(name)\"; first used at \(first)", at: entry.valueMark("name"), path.key("name"))
                } else {
                    firstUse[name] = path
                }
            }
            return webhook(entry, name: name, context)
        }
        return webhooks ?? []
    }

    private static func webhook(_ entry: MappingReader, name: String?, _ context: ConfigContext) -> WebhookSettings? {
        let diagnostics = context.diagnostics
        let format = entry.choice("format", required: true, of: WebhookFormat.allCases)
        let isPagerDuty = format == .pagerduty
        let url = entry.secret(
            inline: "url", file: "url_file", env: "url_env", what: "webhook URL",
            required: format != nil && !isPagerDuty, context)
        let urlIsValid = url.map { validateURL($0, entry) } ?? true
        var routingKey: ResolvedSecret?
        if isPagerDuty {
            routingKey = entry.secret(
                inline: nil, file: "routing_key_file", env: "routing_key_env", what: "PagerDuty routing key",
                required: true, context)
        } else if format != nil {
            for key in ["routing_key_file", "routing_key_env"] where entry.keyMark(key) != nil {
                diagnostics.error("only pagerduty webhooks take a routing key", at: entry.keyMark(key), entry.path.key(key))
            }
        }
        let kinds = entry.list("kinds") { node, path in
            MappingReader.scalar(node, path, expected: "an event kind", diagnostics) { (text) throws(ValueProblem) in
                try MappingReader.choice(text, of: subscribableKinds)
            }
        }
        if let kinds, kinds.isEmpty, entry.value("kinds").map(isEmptyList) == true {
            diagnostics.error(
                "lists no event kind: leave kinds out to receive every kind", at: entry.valueMark("kinds"), entry.path.key("kinds"))
        }
        let minSeverity = entry.choice("min_severity", of: Severity.allCases) ?? .info
        let template = entry.scalar("template", expected: "a string") { (text) throws(ValueProblem) in
            try validTemplate(text)
        }
        if let format, template != nil, !format.takesTemplate {
            diagnostics.warning(
                "the \(format.rawValue) format has no text for people: template is ignored",
                at: entry.keyMark("template"), entry.path.key("template"))
        }

        guard let name, let format, urlIsValid else { return nil }
        guard let urlText = url?.value ?? (isPagerDuty ? WebhookSettings.pagerDutyEventsURL : nil) else { return nil }
        if isPagerDuty, routingKey == nil { return nil }
        return WebhookSettings(
            name: name, format: format, url: Secret(urlText), kinds: kinds.map(Set.init),
            minSeverity: minSeverity, template: template, routingKey: routingKey.map { Secret($0.value) })
    }

    /// The template as written, when it compiles; a parse failure says where inside it.
    private static func validTemplate(_ text: String) throws(ValueProblem) -> String {
        do {
            _ = try CompiledTemplate(text)
        } catch {
            throw ValueProblem("template does not compile: \(error)")
        }
        return text
    }

    /// An http(s) URL with a host; the message says where it came from, never what it is.
    private static func validateURL(_ url: ResolvedSecret, _ entry: MappingReader) -> Bool {
        if url.deferred { return true }
        if let components = URLComponents(string: url.value),
           let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
           let host = components.host, !host.isEmpty {
            return true
        }
        let subject = url.origin == "the value" ? "" : "\(url.origin) does not hold "
        entry.diagnostics.error(
            subject.isEmpty ? "expected an http or https URL" : subject + "an http or https URL",
            at: entry.valueMark(url.key), entry.path.key(url.key))
        return false
    }

    private static func isEmptyList(_ node: Node) -> Bool {
        if case .sequence(let sequence) = node { return sequence.isEmpty }
        return false
    }
}

extension WebhookFormat {
    /// Whether a `template:` replaces the per-event text of this format (Config warns
    /// about a template the format would ignore, so this lives beside the format list).
    public var takesTemplate: Bool {
        switch self {
        case .slack, .mattermost, .teams, .discord, .googleChat: true
        case .generic, .alertmanager, .pagerduty: false
        }
    }
}
