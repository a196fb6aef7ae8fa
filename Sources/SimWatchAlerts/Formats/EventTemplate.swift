import Foundation
import SimWatchConfig
import SimWatchCore

/// An operator's Mustache template for the text of one event (`template:` of a webhook).
///
/// Values are escaped for the format (`ChatEscape`: markup and mentions) before they
/// reach the template, so `{{{value}}}` is as safe as `{{value}}`; the template's own
/// text is not: a template may use the format's links, emphasis and mentions.
package struct EventTemplate: Sendable {
    /// How inserted values are escaped.
    package typealias Escaping = ChatEscape

    private let template: CompiledTemplate
    private let escaping: Escaping

    /// Why a template does not compile, and where in the template.
    package typealias ParseError = CompiledTemplate.ParseError

    /// Compiles `source`; throws `EventTemplate.ParseError` with the position inside it.
    package init(_ source: String, escaping: Escaping = .none) throws(ParseError) {
        template = try CompiledTemplate(source)
        self.escaping = escaping
    }

    /// A template compiled when the configuration loaded, with the format's escaping.
    package init(_ template: CompiledTemplate, escaping: Escaping) {
        self.template = template
        self.escaping = escaping
    }

    /// The text for one event.
    package func render(_ event: Event) -> String {
        template.render(Self.context(for: event, escaping: escaping))
    }

    /// The text for one event, or `nil` when it is blank: chat services reject empty
    /// texts, so formatters fall back to their own text rather than lose the event.
    package func text(for event: Event) -> String? {
        let text = render(event)
        return text.allSatisfy(\.isWhitespace) ? nil : text
    }

    /// The names a template can use: the event's fields as in the generic payload, plus
    /// ready-made text (`title`, `marker`, `time`, `*_human`).
    package static func context(for event: Event, escaping: Escaping = .none) -> [String: Any] {
        var context: [String: Any] = [
            "id": event.id, "kind": event.kind.rawValue, "severity": event.severity.rawValue,
            "summary": event.summary, "observed_at": AlertText.rfc3339(event.observedAt),
            "time": AlertText.time(event.observedAt), "title": AlertText.title(of: event),
            "marker": AlertText.marker(for: event), "is_test": event.kind == .test,
        ]
        let optional: [String: Any?] = [
            "iccid": event.iccid, "device_name": event.deviceName, "labels": event.labels,
            "previous": event.previous?.description, "current": event.current?.description,
            "previous_human": AlertText.human(event.previous, of: event),
            "current_human": AlertText.human(event.current, of: event),
            "metric": event.metric?.rawValue, "value": event.value, "threshold": event.threshold,
            "value_human": AlertText.valueHuman(of: event), "threshold_human": AlertText.thresholdHuman(of: event),
            "threshold_percent": event.thresholdPercent.map(HumanFormat.decimal),
            "percent_of_plan": event.percentOfPlan.map(HumanFormat.decimal),
        ]
        for case let (key, value?) in optional { context[key] = value }
        return context.mapValues { value in
            switch value {
            case let text as String: escaping.escape(text)
            case let labels as [String: String]: labels.mapValues { escaping.escape($0) }
            default: value
            }
        }
    }
}
