import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore

@Suite struct FormatTemplateTests {
    typealias F = FormatFixtures

    private func slackSections(_ template: String, _ events: [Event]) throws -> [String] {
        let payload = try #require(try F.settings(.slack, template: template).formatter().payloads(for: events).first)
        let blocks = try #require(try F.json(payload)["blocks"] as? [[String: Any]])
        return blocks.dropFirst().compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
    }

    @Test func slackTemplateEscapesValuesButNotItsOwnMarkup() throws {
        var event = F.statusChange(1)
        event.deviceName = "a<b> & c"
        let sections = try slackSections(
            "{{marker}} *{{device_name}}* {{kind}}: {{previous}} -> {{current}} <https://cc.example/{{iccid}}|open> {{labels.site}}",
            [event])
        #expect(sections == [
            "🔴 *a&lt;b&gt; &amp; c* status_changed: ACTIVATED -> DEACTIVATED <https://cc.example/8988216716000000001|open> berlin",
        ])
    }

    @Test func helpersGiveHumanUnits() throws {
        let sections = try slackSections(
            "{{metric}} {{value_human}} of {{threshold_human}} ({{percent_of_plan}} %) at {{time}} / {{observed_at}} {{severity}} {{id}}",
            [F.threshold])
        #expect(sections == ["data 812.3 MB of 800 MB (80 %) (81.2 %) at 2026-11-27 10:00 UTC / 2026-11-27T10:00:00Z warning eeeeeeeeeeeeeeee"])
    }

    @Test func absentFieldsWorkInSections() throws {
        let template = "{{#device_name}}named {{device_name}}{{/device_name}}{{^device_name}}unnamed{{/device_name}}"
        #expect(try slackSections(template, [F.poll(failed: true), F.statusChange(3)]) == ["unnamed", "named truck-003"])
    }

    @Test func blankOutputFallsBackToTheFormatsText() throws {
        let sections = try slackSections("{{#iccid}}{{/iccid}}", [F.statusChange(1)])
        #expect(sections.first?.hasPrefix("🔴 *Status changed* (critical)") == true)
    }

    @Test func everyTextFormatUsesTheTemplate() throws {
        let template = "T:{{summary}}"
        let expected = "T:" + F.statusChange(1).summary
        func body(_ format: WebhookFormat) throws -> [String: Any] {
            try F.json(try F.settings(format, template: template).formatter().payloads(for: [F.statusChange(1)])[0])
        }
        let mattermost = try #require((try body(.mattermost)["attachments"] as? [[String: Any]])?.first)
        #expect(mattermost["text"] as? String == expected)
        let discord = try #require((try body(.discord)["embeds"] as? [[String: Any]])?.first)
        #expect(discord["description"] as? String == expected)
        #expect((try body(.googleChat)["text"] as? String)?.hasSuffix("\n" + expected) == true)
        let teams = try #require(((try body(.teams)["attachments"] as? [[String: Any]])?.first?["content"] as? [String: Any])?["body"] as? [[String: Any]])
        #expect(teams[1]["text"] as? String == expected)
        // Machine formats keep their own bodies.
        let generic = F.text(try F.settings(.generic, template: template).formatter().payloads(for: [F.statusChange(1)])[0])
        #expect(!generic.contains("T:"))
    }

    @Test func formattersShowNoSecret() throws {
        // A bad template or a keyless pagerduty webhook cannot reach a formatter: the
        // settings are typed and the loader reports both (FormatTemplateConfigTests).
        let pager = try F.settings(.pagerduty).formatter()
        #expect(!"\(pager)".contains(Canary.routingKey))
        #expect(!"\(try F.settings(.slack))".contains(Canary.webhookURL))
    }

    @Test func aCompiledTemplateRendersWithTheFormatsEscaping() throws {
        let compiled = try CompiledTemplate("{{device_name}}!")
        var event = F.statusChange(1)
        event.deviceName = "a<b>"
        #expect(EventTemplate(compiled, escaping: .slack).render(event) == "a&lt;b&gt;!")
        #expect(EventTemplate(compiled, escaping: .none).render(event) == "a<b>!")
        #expect(compiled.source == "{{device_name}}!")
    }

    @Test func everyFormatHasAFormatter() throws {
        for format in WebhookFormat.allCases {
            let payloads = try F.settings(format).formatter().payloads(for: [F.statusChange(1), F.test])
            #expect(!payloads.isEmpty, "\(format)")
            #expect(payloads.flatMap(\.eventIDs) == [F.statusChange(1).id, F.test.id], "\(format)")
            // ntfy posts text, e-mail is a message; every other format posts JSON.
            let contentType = switch format {
            case .ntfy: "text/plain; charset=utf-8"
            case .email: "message/rfc822"
            default: "application/json"
            }
            #expect(payloads.allSatisfy { $0.contentType == contentType }, "\(format)")
        }
    }

    @Test func parseErrorsSayWhereInTheTemplate() {
        #expect(throws: EventTemplate.ParseError(line: 2, column: 11, reason: "the template ends inside a tag (expected \"}}\")")) {
            try EventTemplate("line one\nabc {{name")
        }
        #expect(throws: EventTemplate.ParseError(line: 1, column: 18, reason: "a section is not closed (expected {{/name}})")) {
            try EventTemplate("{{#summary}} open")
        }
    }
}

@Suite struct FormatTemplateConfigTests {
    private let webhook = """
        webhooks:
          - name: chat
            format: slack
            url: https://hooks.example.com/services/CANARY-TOKEN

        """

    @Test func badTemplateIsAConfigErrorAtItsValue() {
        let yaml = minimalYAML + webhook + "    template: \"{{#summary}} open section\"\n"
        expectSingleIssue(yaml, line: 10, column: 15, keyPath: "webhooks[0].template",
                          message: "template does not compile: template line 1, column")
        let issues = configIssues(yaml)
        #expect(issues.allSatisfy { !$0.description.contains("CANARY") })
    }

    @Test func goodTemplateLoads() throws {
        let yaml = minimalYAML + webhook + "    template: \"{{marker}} {{summary}} {{value_human}}\"\n"
        let loaded = try loadedConfig(yaml)
        #expect(loaded.config.webhooks.first?.template == "{{marker}} {{summary}} {{value_human}}")
        // Compiled once, at load: the settings hold the compiled template.
        #expect(loaded.config.webhooks.first?.settings.chat?.template?.source == "{{marker}} {{summary}} {{value_human}}")
        #expect(loaded.warnings.isEmpty)
    }

    @Test func templateOnAMachineFormatWarns() throws {
        let yaml = minimalYAML + webhook.replacingOccurrences(of: "slack", with: "alertmanager") + "    template: \"{{summary}}\"\n"
        let loaded = try loadedConfig(yaml)
        #expect(loaded.warnings.map(\.keyPath) == ["webhooks[0].template"])
        #expect(loaded.warnings.first?.message.contains("ignored") == true)
    }
}

@Suite struct FormatTextTests {
    @Test func fitKeepsShortTextAndCutsLongText() {
        #expect(TextFit.fit("short", limit: 10, measure: .utf16) == "short")
        #expect(TextFit.fit("abcdefghij", limit: 5, measure: .utf16) == "abcd…")
        #expect(TextFit.fit("name (123): long tail", limit: 12, measure: .utf16, keep: "123") == "name (123):…")
        #expect(TextFit.fit("nnnnnnnnnnnn (123)", limit: 10, measure: .utf16, keep: "123") == "nnn… (123)")
        // An entity is never cut in half.
        #expect(TextFit.fit("a&b", limit: 5, measure: .utf16, escape: ChatEscape.forSlack) == "a…")
        #expect(TextMeasure.jsonBytes.cost("a\"ü\n\u{1}") == 1 + 2 + 2 + 2 + 6)
    }

    @Test func packingIsGreedyAndNeverDrops() {
        let packing = MessagePacking(maxItems: 3, maxSize: 10, overhead: 2)
        #expect(packing.groups(costs: [4, 4, 1, 1, 1, 20, 3]) == [0..<2, 2..<5, 5..<6, 6..<7])
        #expect(packing.groups(costs: []) == [])
        #expect(MessagePacking(maxItems: 49).groups(count: 100) == [0..<49, 49..<98, 98..<100])
    }

    @Test func timesAreUTC() {
        #expect(AlertText.time(FormatFixtures.observedAt) == "2026-11-27 10:00 UTC")
        #expect(AlertText.rfc3339(FormatFixtures.observedAt.addingTimeInterval(5.7)) == "2026-11-27T10:00:05Z")
    }

    @Test func batchTitles() {
        #expect(AlertText.batchTitle(for: [FormatFixtures.test]) == "simwatch: test alert")
        #expect(AlertText.batchTitle(for: [FormatFixtures.threshold]) == "simwatch: 1 alert")
        #expect(AlertText.batchTitle(for: FormatFixtures.hundredChanges, part: 2, of: 3) == "simwatch: 100 alerts (part 2 of 3)")
        #expect(AlertText.longestBatchTitle(count: 100).count >= AlertText.batchTitle(for: FormatFixtures.hundredChanges, part: 99, of: 100).count)
    }
}
