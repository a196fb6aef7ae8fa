import Foundation
import SimWatchConfig
import SimWatchCore

/// E-mail: one plain-text UTF-8 message per batch, with one block per event.
///
/// A batch of more than 1,000 events (a fleet-wide outage) is split into parts, `(part
/// 2 of 3)` in the body's first line: every block is cut to a few kilobytes, so a
/// message stays below 5 MB, under any mail server's size limit (10 MB and more is common).
///
/// The subject is `[simwatch] N alerts: <first summary>`, RFC 2047-encoded when it is not
/// ASCII; every outside text is flattened to one line first, so a device name cannot
/// add a header (`\r\nBcc: …`) or end the body. Lines end in CRLF and stay far below
/// SMTP's 998 bytes; a line starting with `.` is dot-stuffed by libcurl when it sends.
/// The Message-ID derives from the events' ids, so a redelivered batch keeps its id.
public struct EmailFormatter: WebhookFormatter {
    static let maxSubjectSummary = 150
    static let maxSummary = 900
    static let maxFact = 256
    static let maxEvents = 1_000

    package let settings: EmailSettings
    /// The `Date:` header's time: when the message is made, which is when it is sent.
    package let now: @Sendable () -> Date

    public init(settings: EmailSettings, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.now = now
    }

    public func payloads(for events: [Event]) throws -> [WebhookPayload] {
        let blocks = events.map(Self.block)
        let groups = MessagePacking(maxItems: Self.maxEvents).groups(count: events.count)
        return groups.enumerated().map { part, range in
            let title = AlertText.batchTitle(for: events, part: part + 1, of: groups.count)
            let text = message(Array(events[range]), title: title, blocks: Array(blocks[range]))
            return WebhookPayload(contentType: "message/rfc822", body: Data(text.utf8), eventIDs: events[range].map(\.id))
        }
    }

    /// The whole message for `events`, headers and body, with CRLF line ends.
    package func message(_ events: [Event]) -> String {
        message(events, title: AlertText.batchTitle(for: events), blocks: events.map(Self.block))
    }

    private func message(_ events: [Event], title: String, blocks: [String]) -> String {
        let headers = [
            "From: simwatch <\(settings.from)>",
            "To: " + settings.to.joined(separator: ",\r\n "),
            "Subject: " + Self.subject(events),
            "Date: " + Timestamp.rfc5322(now()),
            "Message-ID: " + Self.messageID(events, from: settings.from),
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "Auto-Submitted: auto-generated",
        ]
        let body = [title] + blocks
        return (headers + [""] + body.joined(separator: "\n\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)).joined(separator: "\r\n") + "\r\n"
    }

    /// `[simwatch] 3 alerts: truck-17 (8988…): status ACTIVATED -> DEACTIVATED`; the
    /// summary, when not ASCII, as encoded-words on folded lines of at most 78 characters.
    static func subject(_ events: [Event]) -> String {
        let count = events.count == 1 ? "1 alert" : "\(events.count) alerts"
        let first = HeaderText.sanitized(events.first?.summary ?? "", limit: maxSubjectSummary)
        let encoded = HeaderText.encoded(first, separator: "\r\n ")
        return "[simwatch] \(count):" + (encoded == first ? " " : "\r\n ") + encoded
    }

    /// `<hex@domain>`: the same for the same events, unique for different ones.
    static func messageID(_ events: [Event], from: String) -> String {
        let domain = from.split(separator: "@").last.map(String.init) ?? "simwatch"
        return "<\(Digest.sha256Hex(events.map(\.id).joined(separator: ",")).prefix(32)).simwatch@\(domain)>"
    }

    /// The headline, the summary (cut to fit, keeping the ICCID), then one indented
    /// `Name: value` line per fact.
    static func block(_ event: Event) -> String {
        let summary = HeaderText.sanitized(event.summary, limit: maxSummary, keep: event.iccid)
        let facts = AlertText.facts(of: event).map { "  \($0.name): \(HeaderText.sanitized($0.value, limit: maxFact))" }
        return ([AlertText.headline(of: event), summary] + facts).joined(separator: "\n")
    }
}
