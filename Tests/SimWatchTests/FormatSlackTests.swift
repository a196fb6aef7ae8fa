import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig

@Suite struct FormatSlackTests {
    typealias F = FormatFixtures

    private func blocks(_ payload: WebhookPayload) throws -> [[String: Any]] {
        try #require(try F.json(payload)["blocks"] as? [[String: Any]])
    }

    private func sectionTexts(_ payload: WebhookPayload) throws -> [String] {
        try blocks(payload).dropFirst().map { try #require(($0["text"] as? [String: Any])?["text"] as? String) }
    }

    @Test func payloadHasHeaderSectionsAndFallback() throws {
        let events = [F.statusChange(1), F.threshold, F.test]
        let payloads = try SlackFormatter().payloads(for: events)
        #expect(payloads.count == 1)
        let object = try F.json(payloads[0])
        let blocks = try blocks(payloads[0])
        #expect(blocks.count == 4)
        #expect(blocks[0]["type"] as? String == "header")
        let header = try #require(blocks[0]["text"] as? [String: Any])
        #expect(header["type"] as? String == "plain_text")
        #expect(header["text"] as? String == "simwatch: 3 alerts")
        for block in blocks.dropFirst() {
            #expect(block["type"] as? String == "section")
            #expect((block["text"] as? [String: Any])?["type"] as? String == "mrkdwn")
        }
        let sections = try sectionTexts(payloads[0])
        #expect(sections[0] == "🔴 *Status changed* (critical) · 2026-11-27 10:00 UTC\n"
                + "truck-001 (8988216716000000001): status ACTIVATED -&gt; DEACTIVATED")
        #expect(sections[1].hasPrefix("🟠 *Threshold crossed* (warning)"))
        #expect(sections[2].hasPrefix("🧪 *Test alert (no action needed)* (test (info))"))
        let fallback = try #require(object["text"] as? String)
        #expect(fallback == "🔴 truck-001 (8988216716000000001): status ACTIVATED -&gt; DEACTIVATED (and 2 more)")
        #expect(payloads[0].eventIDs == events.map(\.id))
    }

    @Test func escapesMrkdwnControlCharacters() throws {
        let event = F.statusChange(1, summary: "a<b> & c (8988216716000000001)")
        let payload = try #require(try SlackFormatter().payloads(for: [event]).first)
        let section = try #require(try sectionTexts(payload).first)
        #expect(section.hasSuffix("a&lt;b&gt; &amp; c (8988216716000000001)"))
        #expect((try F.json(payload)["text"] as? String)?.contains("a&lt;b&gt; &amp; c") == true)
    }

    @Test func hundredStatusChangesFillTheFewestMessages() throws {
        let payloads = try SlackFormatter().payloads(for: F.hundredChanges)
        // One header block per message leaves 49 sections.
        let minimum = (100 + 48) / 49
        #expect(payloads.count >= minimum && payloads.count <= minimum + 1, "\(payloads.count) messages")
        for payload in payloads {
            let blocks = try blocks(payload)
            #expect(blocks.count <= 50)
            let header = try #require((blocks[0]["text"] as? [String: Any])?["text"] as? String)
            #expect(header.utf16.count <= 150)
            #expect(try sectionTexts(payload).allSatisfy { $0.utf16.count <= 3000 })
        }
        let header = (try blocks(payloads[0])[0]["text"] as? [String: Any])?["text"] as? String
        #expect(header == "simwatch: 100 alerts (part 1 of 3)")
        F.expectComplete(payloads, F.hundredChanges)
    }

    @Test func longSummaryIsCutNotDropped() throws {
        let long = String(repeating: "very-long-name-", count: 700)
        let event = F.statusChange(7, name: long)
        let payloads = try SlackFormatter().payloads(for: [F.statusChange(1), event])
        #expect(payloads.count == 1)
        let sections = try sectionTexts(payloads[0])
        #expect(sections[1].utf16.count <= 3000)
        #expect(sections[1].hasSuffix("… (8988216716000000007)"))
        #expect(try #require(try F.json(payloads[0])["text"] as? String).utf16.count <= 300)
        F.expectComplete(payloads, [F.statusChange(1), event])
    }
}
