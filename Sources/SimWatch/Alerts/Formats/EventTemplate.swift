import Foundation
import Mustache

/// An operator's Mustache template for the text of one event (`template:` of a webhook).
///
/// Values are escaped for the format (`ChatEscape`: markup and mentions) before they
/// reach the template, so `{{{value}}}` is as safe as `{{value}}`; the template's own
/// text is not: a template may use the format's links, emphasis and mentions.
struct EventTemplate: Sendable {
    /// How inserted values are escaped.
    typealias Escaping = ChatEscape

    private let template: MustacheTemplate
    private let escaping: Escaping

    /// Compiles `source`; throws `EventTemplate.ParseError` with the position inside it.
    init(_ source: String, escaping: Escaping = .none) throws(ParseError) {
        // The pragma turns off Mustache's HTML escaping: values come escaped for the format.
        let pragma = "{{% CONTENT_TYPE: TEXT}}"
        self.escaping = escaping
        do {
            template = try MustacheTemplate(string: pragma + source)
        } catch let error as MustacheTemplate.ParserError {
            let context = error.context
            let column = context.lineNumber == 1 ? context.columnNumber - pragma.count : context.columnNumber
            throw ParseError(line: context.lineNumber, column: max(1, column), reason: Self.reason(error.error))
        } catch {
            throw ParseError(line: 1, column: 1, reason: "\(error)")
        }
    }

    /// The text for one event.
    func render(_ event: Event) -> String {
        template.render(Self.context(for: event, escaping: escaping))
    }

    /// The text for one event, or `nil` when it is blank: chat services reject empty
    /// texts, so formatters fall back to their own text rather than lose the event.
    func text(for event: Event) -> String? {
        let text = render(event)
        return text.allSatisfy(\.isWhitespace) ? nil : text
    }

    /// Why a template does not compile, and where in the template.
    struct ParseError: Error, Equatable, CustomStringConvertible {
        /// 1-based, within the template text.
        var line: Int
        var column: Int
        var reason: String

        var description: String { "template line \(line), column \(column): \(reason)" }
    }

    /// The names a template can use: the event's fields as in the generic payload, plus
    /// ready-made text (`title`, `marker`, `time`, `*_human`).
    static func context(for event: Event, escaping: Escaping = .none) -> [String: Any] {
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

    private static func reason(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else {
            // The parser's only other error: it ran past the end looking for a tag's close.
            return "\(error)" == "overflow" ? "the template ends inside a tag (expected \"}}\")" : "\(error)"
        }
        return switch error {
        case .sectionCloseNameIncorrect: "a section is closed with another name than it was opened with"
        case .unfinishedName: "a tag is not finished (expected a name and \"}}\")"
        case .expectedSectionEnd: "a section is not closed (expected {{/name}})"
        case .invalidSetDelimiter: "a set-delimiter tag is malformed"
        case .transformAppliedToInheritanceSection, .illegalTokenInsideInheritSection, .textInsideInheritSection:
            "an inheritance section is malformed"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: "a {{% pragma}} tag is malformed or unknown"
        }
    }
}
