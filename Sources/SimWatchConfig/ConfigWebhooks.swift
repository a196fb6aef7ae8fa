import Foundation
import SimWatchCore
import Yams

/// `webhooks[n]`: the keys every format takes, and the format with its own settings.
public struct WebhookSettings: Sendable {
    /// Unique; the only way logs, errors and the state file refer to a webhook.
    public var name: String
    public var url: Secret
    /// Kinds to deliver; `nil` means all.
    public var kinds: Set<EventKind>?
    public var minSeverity: Severity
    /// Only events matching this go here (`match:`); `nil` lets every event through.
    public var match: EventMatch?
    /// The format, with the settings only it takes (template, routing key, …).
    public var settings: FormatSettings

    public var format: WebhookFormat { settings.format }

    public init(
        name: String, url: Secret, settings: FormatSettings, kinds: Set<EventKind>? = nil, minSeverity: Severity = .info
    ) {
        self.name = name
        self.url = url
        self.settings = settings
        self.kinds = kinds
        self.minSeverity = minSeverity
    }

    /// A webhook of `format` with its plain settings (no template); a `pagerduty` one
    /// needs `routingKey`. For code and tests that build settings by hand: a missing
    /// key is a programming error here, while the loader reports it as a config error.
    public init(
        name: String, format: WebhookFormat, url: Secret, kinds: Set<EventKind>? = nil,
        minSeverity: Severity = .info, routingKey: Secret? = nil
    ) {
        let settings: FormatSettings? = if let routingKey, format == .pagerduty {
            .pagerduty(PagerDutySettings(routingKey: routingKey))
        } else {
            FormatSettings.plain(format)
        }
        guard let settings else { preconditionFailure("a \(format.rawValue) webhook needs its settings: use init(name:url:settings:)") }
        self.init(name: name, url: url, settings: settings, kinds: kinds, minSeverity: minSeverity)
    }

    /// The template's source as written, for summaries; `nil` without one.
    public var template: String? { settings.chat?.template?.source }

    /// PagerDuty's routing key; `nil` for other formats.
    public var routingKey: Secret? {
        if case .pagerduty(let pagerDuty) = settings { return pagerDuty.routingKey }
        return nil
    }

    /// PagerDuty's Events API v2 endpoint, used when a `pagerduty` webhook gives no URL.
    public static let pagerDutyEventsURL = PagerDutySettings.eventsURL

    /// Whether this webhook wants the event, by kind and severity. Test events always pass.
    public func accepts(_ event: Event) -> Bool {
        if event.kind == .test { return true }
        if let kinds, !kinds.contains(event.kind) { return false }
        return event.severity >= minSeverity
    }

    /// `accepts`, and the webhook's `match` holds for the event and its device (`subject`).
    public func accepts(_ event: Event, _ subject: MatchSubject) -> Bool {
        guard accepts(event) else { return false }
        return event.kind == .test || match?.matches(subject) ?? true
    }
}

/// `webhooks`: where alerts go, each with a unique name and its URL kept secret.
enum ConfigWebhooks {
    /// The keys every webhook takes; each format's own keys come from its settings type.
    static let commonKeys = ["name", "format", "url", "url_file", "url_env", "kinds", "min_severity", "match"]
    package static let keys = commonKeys + formatSettingsKeys.flatMap { $0.keys }
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
        let url = entry.secret(
            inline: "url", file: "url_file", env: "url_env", what: "webhook URL",
            required: format != nil && format?.defaultURL == nil, context)
        let urlIsValid = url.map { validateURL($0, schemes: format?.urlSchemes ?? ["http", "https"], entry) } ?? true
        if format == .telegram, let url, urlIsValid { TelegramSettings.checkURL(url, entry) }
        var settings: FormatSettings?
        if let format {
            settings = format.settings(entry, context)
            for other in formatSettingsKeys where !other.formats.contains(format) {
                other.reportForeign(entry, format: format)
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
        let matchNode = entry.value("match")
        let match = matchNode.flatMap { ConfigMatch.read($0, entry.path.key("match"), diagnostics) }

        guard let name, let format, let settings, urlIsValid, matchNode == nil || match != nil else { return nil }
        guard let urlText = url?.value ?? format.defaultURL else { return nil }
        var webhook = WebhookSettings(
            name: name, url: Secret(urlText), settings: settings, kinds: kinds.map(Set.init), minSeverity: minSeverity)
        webhook.match = match
        return webhook
    }

    /// A URL of one of the format's `schemes` (http and https; smtp and smtps for e-mail)
    /// with a host; the message says where it came from, never what it is.
    private static func validateURL(_ url: ResolvedSecret, schemes: [String], _ entry: MappingReader) -> Bool {
        if url.deferred { return true }
        if let components = URLComponents(string: url.value),
           let scheme = components.scheme?.lowercased(), schemes.contains(scheme),
           let host = components.host, !host.isEmpty {
            return true
        }
        let subject = url.origin == "the value" ? "" : "\(url.origin) does not hold "
        let wanted = "an \(schemes.joined(separator: " or ")) URL"
        entry.diagnostics.error(
            subject.isEmpty ? "expected " + wanted : subject + wanted,
            at: entry.valueMark(url.key), entry.path.key(url.key))
        return false
    }

    private static func isEmptyList(_ node: Node) -> Bool {
        if case .sequence(let sequence) = node { return sequence.isEmpty }
        return false
    }
}
