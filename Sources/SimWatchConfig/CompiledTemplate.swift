import Mustache

/// A webhook's `template:` compiled once, when the configuration loads; the formats render it.
///
/// It lives below the formats so that Config can reject a template that does not
/// compile without depending on Alerts, and hand the compiled form to the formatter;
/// `EventTemplate` adds the event's names and the format's escaping on top.
public struct CompiledTemplate: Sendable {
    private let template: MustacheTemplate
    /// The template as written, for summaries and tests.
    public let source: String

    /// Compiles `source`; throws `ParseError` with the position inside it.
    package init(_ source: String) throws(ParseError) {
        // The pragma turns off Mustache's HTML escaping: values come escaped for the format.
        let pragma = "{{% CONTENT_TYPE: TEXT}}"
        do {
            template = try MustacheTemplate(string: pragma + source)
            self.source = source
        } catch let error as MustacheTemplate.ParserError {
            let context = error.context
            let column = context.lineNumber == 1 ? context.columnNumber - pragma.count : context.columnNumber
            throw ParseError(line: context.lineNumber, column: max(1, column), reason: Self.reason(error.error))
        } catch {
            throw ParseError(line: 1, column: 1, reason: "\(error)")
        }
    }

    /// The text for `context` (names to values, as Mustache takes them).
    package func render(_ context: [String: Any]) -> String {
        template.render(context)
    }

    /// Why a template does not compile, and where in the template.
    package struct ParseError: Error, Equatable, CustomStringConvertible {
        /// 1-based, within the template text.
        package var line: Int
        package var column: Int
        package var reason: String

        package init(line: Int, column: Int, reason: String) {
            self.line = line
            self.column = column
            self.reason = reason
        }

        package var description: String { "template line \(line), column \(column): \(reason)" }
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
