import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore

/// The rules every format keeps, run over every format in `WebhookFormat.allCases`: a
/// new format joins by being registered (`FormatFixtures.settings` and
/// `FormatConformanceTests.limits` are exhaustive switches, so it cannot be forgotten).
///
/// No event dropped or duplicated, the format's size limits held (Slack and Discord in
/// UTF-16 units, the others in bytes), no secret in a body, every ICCID shown, and in
/// chat formats no mention that pings.
///
/// Serialized: its cases are the heaviest CPU work of the test run, and side by side they
/// would hold every thread of the test pool, starving the tests that wait on real time.
@Suite(.serialized) struct FormatConformanceTests {
    typealias F = FormatFixtures

    /// One webhook set-up: a format, and for chat formats with or without a template.
    struct Setup: CustomTestStringConvertible, Sendable {
        var format: WebhookFormat
        var template: String?
        var testDescription: String { format.rawValue + (template == nil ? "" : " + template") }
    }

    /// Every format with its own text; every chat format with a template inserting values.
    static let setups: [Setup] = WebhookFormat.allCases.map { Setup(format: $0) }
        + WebhookFormat.allCases.filter(\.takesTemplate).map {
            Setup(format: $0, template: "{{marker}} {{device_name}} ({{iccid}}) {{summary}} {{labels.site}} {{{current}}}")
        }

    /// A batch of events to format.
    struct Batch: CustomTestStringConvertible, Sendable {
        var name: String
        var events: [Event]
        var testDescription: String { name }
    }

    /// Text that is as long, as wide and as hostile as a device name can be: astral
    /// characters (2 UTF-16 units, 4 bytes), JSON escapes, markup and every mention.
    static func hugeText(_ count: Int) -> String {
        String(
            repeating: "🚚\"ü\\ *_~`|[x](https://evil.example) @here <!channel> @everyone <users/all> <@123> <at>all</at> ",
            count: count)
    }

    /// A status change, a threshold, an overage pair, a poll pair, a test, a discovery, a flapping pair: every shape of event.
    static func mixed(_ index: Int, name: String? = nil, labels: [String: String]? = nil) -> Event {
        var event: Event
        switch index % 10 {
        case 8: event = F.flapping(ended: false)
        case 9: event = F.flapping(ended: true)
        case 0: event = F.threshold
        case 1: event = F.overage(reached: true)
        case 2: event = F.overage(reached: false)
        case 3: event = F.poll(failed: true)
        case 4: event = F.poll(failed: false)
        case 5: event = F.test
        case 7: event = F.discovered
        default: event = F.statusChange(index)
        }
        event.id = String(format: "%016x", 0x1000 + index)
        if event.iccid != nil {
            let iccid = "8988216716" + String(format: "%09d", index)
            event.iccid = iccid
            if let name { event.deviceName = name }
            event.summary = "\(event.deviceName ?? "?") (\(iccid)): \(event.summary)"
            if let labels { event.labels = labels }
        }
        return event
    }

    /// Labels as long as the name, under names that are no Prometheus label names.
    static func hugeLabels(_ count: Int) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (0..<5).map { ("label-\($0) \(hugeText(1).prefix(20))", hugeText(count)) })
            .merging(["site": hugeText(count)]) { $1 }
    }

    /// Numbers no real device reports, which must neither trap nor break the JSON.
    static let nastyNumbers: [Event] = [
        (Int64.max, Double.nan), (Int64.min, .infinity), (0, -.infinity), (-1, 1e300), (9_007_199_254_740_993, -0.0),
    ].enumerated().map { index, numbers in
        var event = F.threshold
        event.id = String(format: "%016x", 0x9000 + index)
        event.iccid = "8988216716" + String(format: "%09d", 900 + index)
        event.summary = "truck (\(event.iccid!)): nasty \(numbers)"
        (event.value, event.threshold, event.thresholdPercent, event.percentOfPlan) = (numbers.0, numbers.0, numbers.1, numbers.1)
        event.previous = .number(numbers.0)
        event.current = .number(numbers.0)
        return event
    }

    static let batches: [Batch] = [
        Batch(name: "1 event", events: [F.statusChange(1)]),
        Batch(name: "500 events", events: (0..<500).map { mixed($0) }),
        Batch(name: "1 huge event", events: [mixed(6, name: hugeText(120), labels: hugeLabels(120))]),
        // Every fifth is huge: enough to fill every message to its limit, and fast.
        Batch(name: "500 events, 100 huge", events: (0..<500).map {
            $0 % 5 == 0 ? mixed($0, name: hugeText(35), labels: ["site": hugeText(5)]) : mixed($0)
        }),
        Batch(name: "nasty numbers", events: nastyNumbers),
    ]

    /// What one format promises about one message.
    struct Limits {
        /// Most events in one message.
        var maxEvents: Int = .max
        /// Most bytes of body.
        var maxBodyBytes: Int = .max
        /// The format's own limits on its JSON (texts, blocks, embeds), as problems found.
        var check: (_ body: [String: Any]) -> [String] = { _ in [] }
        /// The format's rules for a whole payload: headers, and bodies that are not JSON.
        var checkPayload: (_ payload: WebhookPayload) -> [String] = { _ in [] }
    }

    /// Each format's limits, as the receiving service documents them.
    static func limits(_ format: WebhookFormat) -> Limits {
        switch format {
        case .slack: Limits(maxEvents: 49, check: slackProblems)
        case .discord: Limits(maxEvents: 10, check: discordProblems)
        case .teams: Limits(maxBodyBytes: 28_000)
        case .googleChat: Limits(maxBodyBytes: 32_000)
        case .mattermost: Limits(maxBodyBytes: 16_000)
        case .generic: Limits(maxEvents: 100)
        case .alertmanager: Limits(maxEvents: 500)
        case .pagerduty: Limits(maxEvents: 1, maxBodyBytes: 512 * 1024, check: pagerDutyProblems)
        case .telegram: Limits(check: telegramProblems)
        case .ntfy: Limits(maxEvents: 1, maxBodyBytes: 4_096, checkPayload: ntfyProblems)
        case .opsgenie: Limits(maxEvents: 1, check: opsgenieProblems, checkPayload: opsgenieHeaderProblems)
        case .email: Limits(maxEvents: 1_000, maxBodyBytes: 5_000_000, checkPayload: emailProblems)
        }
    }

    @Test("every format keeps every rule", arguments: setups, batches)
    func conformance(setup: Setup, batch: Batch) throws {
        let webhook = try F.settings(setup.format, template: setup.template)
        let payloads = try webhook.formatter().payloads(for: batch.events)
        let events = batch.events

        // No event dropped, none twice, in order; each message's events show their ICCID.
        F.expectComplete(payloads, events)
        #expect(payloads.allSatisfy { !$0.eventIDs.isEmpty })

        let limits = Self.limits(setup.format)
        for (index, payload) in payloads.enumerated() {
            let at = "message \(index + 1) of \(payloads.count)"
            #expect(payload.eventIDs.count <= limits.maxEvents, "\(at): \(payload.eventIDs.count) events")
            #expect(payload.body.count <= limits.maxBodyBytes, "\(at): \(payload.body.count) bytes")
            let payloadProblems = limits.checkPayload(payload)
            #expect(payloadProblems.isEmpty, "\(at): \(payloadProblems.prefix(3))")
            // ntfy and e-mail bodies are text: the whole text is what must hold no secret.
            let json: Any = payload.contentType.hasPrefix("application/json")
                ? try JSONSerialization.jsonObject(with: payload.body) : F.text(payload)
            if let object = json as? [String: Any] {
                let problems = limits.check(object)
                #expect(problems.isEmpty, "\(at): \(problems.prefix(3))")
            }
            expectNoSecret(json, format: setup.format, at)
            let shownHeaders = payload.headers.filter { $0.name != "Authorization" }.map(\.value)
            expectNoSecret(shownHeaders, format: setup.format, at)
            // Telegram takes no template, but people read it: no mention may form there either.
            if setup.format.takesTemplate || setup.format == .telegram {
                expectNoMention(json, format: setup.format, at)
            }
        }
    }

    @Test("a batch of none gives no message", arguments: WebhookFormat.allCases)
    func emptyBatch(format: WebhookFormat) throws {
        #expect(try F.settings(format).formatter().payloads(for: []).isEmpty)
    }

    // MARK: - Secrets and mentions

    /// The webhook URL and the routing key never appear, decoded or not; PagerDuty's
    /// routing key is its credential and goes, only, in its `routing_key` field.
    private func expectNoSecret(_ json: Any, format: WebhookFormat, _ at: String) {
        var json = json
        if format == .pagerduty, var object = json as? [String: Any] {
            #expect(object["routing_key"] as? String == Canary.routingKey, "\(at)")
            object["routing_key"] = nil
            json = object
        }
        let text = Self.strings(json).joined(separator: "\n")
        for secret in [Canary.webhookURL, "CANARY", Canary.routingKey, Canary.apiKey] {
            #expect(!text.contains(secret), "\(at): a body shows \(secret)")
        }
    }

    /// Device names and labels carry every mention; none survives in a chat format.
    private func expectNoMention(_ json: Any, format: WebhookFormat, _ at: String) {
        let text = Self.strings(json).joined(separator: "\n").lowercased()
        // Slack, Google Chat and Telegram's HTML mode have no markdown links: `[x](url)` is
        // plain text there.
        let link = [.slack, .googleChat, .telegram].contains(format) ? [] : ["[x](https"]
        for mention in ["@here", "<!channel>", "@everyone", "<users/all>", "<@123>", "<at>"] + link {
            #expect(!text.contains(mention), "\(at): \(mention) passes through")
        }
    }

    /// Every string in a JSON value, keys included, decoded.
    static func strings(_ value: Any) -> [String] {
        switch value {
        case let text as String: [text]
        case let array as [Any]: array.flatMap(strings)
        case let object as [String: Any]: object.flatMap { [$0.key] + strings($0.value) }
        default: []
        }
    }

    // MARK: - Format limits

    private static func utf16(_ value: Any?) -> Int {
        (value as? String)?.utf16.count ?? 0
    }

    private static func over(_ what: String, _ count: Int, _ limit: Int) -> [String] {
        count > limit ? ["\(what): \(count) > \(limit)"] : []
    }

    /// Slack: 50 blocks, a header of 150 and sections of 3,000 UTF-16 units, text of 40,000.
    static func slackProblems(_ body: [String: Any]) -> [String] {
        let blocks = body["blocks"] as? [[String: Any]] ?? []
        var problems = over("blocks", blocks.count, 50) + over("text", utf16(body["text"]), 40_000)
        if blocks.isEmpty { problems.append("no blocks") }
        for block in blocks {
            let text = (block["text"] as? [String: Any])?["text"]
            let limit = block["type"] as? String == "header" ? 150 : 3_000
            problems += over("\(block["type"] ?? "?") text", utf16(text), limit)
            if utf16(text) == 0 { problems.append("empty block text") }
        }
        return problems
    }

    /// Discord: 2,000 of content; 10 embeds; per embed a title of 256, a description of
    /// 4,096, 25 fields of 256 (name) and 1,024 (value); 6,000 over all embeds.
    static func discordProblems(_ body: [String: Any]) -> [String] {
        let embeds = body["embeds"] as? [[String: Any]] ?? []
        var problems = over("content", utf16(body["content"]), 2_000) + over("embeds", embeds.count, 10)
        var total = 0
        for embed in embeds {
            let fields = embed["fields"] as? [[String: Any]] ?? []
            problems += over("title", utf16(embed["title"]), 256) + over("description", utf16(embed["description"]), 4_096)
                + over("fields", fields.count, 25)
            for field in fields {
                problems += over("field name", utf16(field["name"]), 256) + over("field value", utf16(field["value"]), 1_024)
            }
            total += utf16(embed["title"]) + utf16(embed["description"])
                + fields.reduce(0) { $0 + utf16($1["name"]) + utf16($1["value"]) }
        }
        if (body["allowed_mentions"] as? [String: Any])?["parse"] as? [Any] == nil { problems.append("mentions may ping") }
        return problems + over("embed characters", total, 6_000)
    }

    /// PagerDuty Events API v2: a summary of at most 1,024 characters.
    static func pagerDutyProblems(_ body: [String: Any]) -> [String] {
        over("summary", utf16((body["payload"] as? [String: Any])?["summary"]), 1_024)
    }

    /// Telegram: at most 4,096 UTF-16 units of text (before entity parsing, which only
    /// shortens it), HTML parse mode, and only tags of Telegram's HTML subset.
    static func telegramProblems(_ body: [String: Any]) -> [String] {
        let text = body["text"] as? String ?? ""
        var problems = over("text", text.utf16.count, 4_096)
        if body["parse_mode"] as? String != "HTML" { problems.append("parse mode is not HTML") }
        if !(body["chat_id"] is NSNumber) { problems.append("chat_id is no number") }
        problems += telegramMarkupProblems(text)
        return problems
    }

    /// Tags outside `<b>`, `<i>`, `<code>`, `<pre>`, `<a>` and `&` that starts no entity
    /// Telegram knows: what makes it answer "can't parse entities".
    static func telegramMarkupProblems(_ text: String) -> [String] {
        var problems: [String] = []
        let allowedTags: Set = ["b", "/b", "i", "/i", "code", "/code", "pre", "/pre", "a", "/a"]
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { problems.append("unclosed <"); break }
            let tag = String(rest[rest.index(after: open)..<close])
            if !allowedTags.contains(tag) { problems.append("tag <\(tag.prefix(20))>") }
            rest = rest[rest.index(after: close)...]
        }
        var entities = Substring(text)
        while let amp = entities.firstIndex(of: "&") {
            let after = entities[amp...]
            if !["&amp;", "&lt;", "&gt;", "&quot;"].contains(where: after.hasPrefix) { problems.append("bare &") }
            entities = entities[entities.index(after: amp)...]
        }
        return problems
    }

    /// ntfy: a plain-text body, and `Title`, `Priority`, `Tags` headers that are printable
    /// ASCII on one line (non-ASCII titles as RFC 2047 words).
    static func ntfyProblems(_ payload: WebhookPayload) -> [String] {
        var problems: [String] = []
        if !payload.contentType.hasPrefix("text/plain") { problems.append("body is not plain text") }
        let names = payload.headers.map(\.name)
        for name in ["Title", "Priority", "Tags"] where !names.contains(name) { problems.append("no \(name) header") }
        for header in payload.headers {
            if !header.value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) {
                problems.append("header \(header.name) is not printable ASCII")
            }
            if header.name == "Title", header.value.utf8.count > 1_000 { problems.append("title of \(header.value.utf8.count) bytes") }
        }
        let priority = payload.headers.first { $0.name == "Priority" }.flatMap { Int($0.value) }
        if !(3...5).contains(priority ?? 0) { problems.append("priority \(String(describing: priority))") }
        return problems
    }

    /// Opsgenie create: message 130, alias 512, description 15,000, 20 tags of 50, string
    /// details; close: a note of 25,000.
    static func opsgenieProblems(_ body: [String: Any]) -> [String] {
        if body["message"] == nil {
            return over("note", utf16(body["note"]), 25_000) + (body["source"] == nil ? ["close without source"] : [])
        }
        let tags = body["tags"] as? [String] ?? []
        var problems = over("message", utf16(body["message"]), 130) + over("alias", utf16(body["alias"]), 512)
            + over("description", utf16(body["description"]), 15_000) + over("tags", tags.count, 20)
        problems += tags.flatMap { over("tag", $0.utf16.count, 50) }
        if !["P1", "P3", "P5"].contains(body["priority"] as? String ?? "") { problems.append("priority") }
        if let details = body["details"] as? [String: Any], !details.values.allSatisfy({ $0 is String }) {
            problems.append("a detail is not a string")
        }
        return problems
    }

    /// Opsgenie: the GenieKey header on every request; a close goes to the alias's close URL.
    static func opsgenieHeaderProblems(_ payload: WebhookPayload) -> [String] {
        var problems: [String] = []
        if payload.headers.first(where: { $0.name == "Authorization" })?.value != "GenieKey \(Canary.routingKey)" {
            problems.append("no GenieKey")
        }
        let closes = payload.urlSuffix.hasSuffix("/close?identifierType=alias")
        if closes == payload.body.range(of: Data("\"message\"".utf8)).map({ _ in true }) ?? false {
            problems.append("close URL and body disagree")
        }
        return problems
    }

    /// E-mail: CRLF line ends only, lines within 998 bytes, one header block with exactly
    /// the headers written (nothing injected), a subject that names the count.
    static func emailProblems(_ payload: WebhookPayload) -> [String] {
        let text = F.text(payload)
        var problems: [String] = []
        let lines = text.components(separatedBy: "\r\n")
        if lines.contains(where: { $0.contains("\r") || $0.contains("\n") }) { problems.append("bare CR or LF") }
        if let long = lines.first(where: { $0.utf8.count > 998 }) { problems.append("line of \(long.utf8.count) bytes") }
        let headerLines = lines.prefix { !$0.isEmpty }.filter { !$0.hasPrefix(" ") }
        let names = headerLines.map { String($0.prefix { $0 != ":" }) }
        let expected = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
                        "Content-Transfer-Encoding", "Auto-Submitted"]
        if names != expected { problems.append("headers \(names.prefix(12))") }
        if !(headerLines.first { $0.hasPrefix("Subject: ") }?.hasPrefix("Subject: [simwatch] ") ?? false) {
            problems.append("subject")
        }
        return problems
    }
}
