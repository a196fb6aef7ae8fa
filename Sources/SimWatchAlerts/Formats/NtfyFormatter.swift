import Foundation
import SimWatchConfig
import SimWatchCore

/// ntfy: one POST per event to the topic URL, the text as a plain body of at most 4,096
/// bytes (ntfy turns a longer one into an attachment), and `Title`, `Priority` and `Tags`
/// headers; with a token, `Authorization: Bearer …` for a protected topic.
public struct NtfyFormatter: WebhookFormatter {
    static let maxBody = 4_096
    /// ntfy shows a title on one line; a long device name must not make it a paragraph.
    static let maxTitle = 200
    static let maxFact = 256

    package let token: Secret?

    public init(token: Secret? = nil) {
        self.token = token
    }

    public func payloads(for events: [Event]) throws -> [WebhookPayload] {
        events.map { event in
            WebhookPayload(
                contentType: "text/plain; charset=utf-8", body: Data(Self.text(event).utf8), eventIDs: [event.id],
                headers: headers(event))
        }
    }

    package func headers(_ event: Event) -> [PayloadHeader] {
        var headers = [
            PayloadHeader("Title", HeaderText.encoded(Self.title(event))),
            PayloadHeader("Priority", String(Self.priority(event.severity))),
            PayloadHeader("Tags", Self.tags(event).joined(separator: ",")),
        ]
        if let token { headers.append(PayloadHeader("Authorization", "Bearer \(token.reveal())")) }
        return headers
    }

    /// `Status changed: truck-17`, on one line.
    static func title(_ event: Event) -> String {
        let subject = event.deviceName ?? event.iccid
        return HeaderText.sanitized(AlertText.title(of: event) + (subject.map { ": \($0)" } ?? ""), limit: maxTitle)
    }

    /// ntfy's priorities: 5 max (critical), 4 high (warning), 3 default (info).
    static func priority(_ severity: Severity) -> Int {
        switch severity {
        case .critical: 5
        case .warning: 4
        case .info: 3
        }
    }

    /// An emoji short code ntfy shows before the title, then `simwatch` and the kind.
    static func tags(_ event: Event) -> [String] {
        let emoji = if event.kind == .test { "test_tube" } else {
            switch event.severity {
            case .critical: "rotating_light"
            case .warning: "warning"
            case .info: "information_source"
            }
        }
        return [emoji, "simwatch", event.kind.rawValue]
    }

    /// The summary (cut to fit, keeping the ICCID), then one `Name: value` line per fact.
    static func text(_ event: Event) -> String {
        let facts = AlertText.facts(of: event).map { "\($0.name): \(TextFit.fit($0.value, limit: maxFact, measure: .utf8))" }
        let rest = facts.reduce(0) { $0 + $1.utf8.count + 1 }
        let summary = TextFit.fit(event.summary, limit: maxBody - rest, measure: .utf8, keep: event.iccid)
        return ([summary] + facts).joined(separator: "\n")
    }
}
