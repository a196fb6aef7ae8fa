import Foundation
import Testing
@testable import SimWatchAlerts

@Suite struct FormatGoogleChatTests {
    typealias F = FormatFixtures

    @Test func payloadIsTextWithOneLinePerEvent() throws {
        let payload = try #require(try GoogleChatFormatter().payloads(for: [F.statusChange(1), F.test]).first)
        let object = try F.json(payload)
        #expect(object.keys.sorted() == ["text"])
        let lines = try #require(object["text"] as? String).split(separator: "\n")
        #expect(lines == [
            "*simwatch: 2 alerts*",
            "🔴 *Status changed* (critical) · truck-001 (8988216716000000001): status ACTIVATED -> DEACTIVATED · 2026-11-27 10:00 UTC",
            "🧪 *Test alert (no action needed)* (test (info)) · simwatch test alert: this webhook works, no action needed · 2026-11-27 10:00 UTC",
        ])
    }

    @Test func hundredStatusChangesFillTheFewestMessages() throws {
        let formatter = GoogleChatFormatter()
        let payloads = try formatter.payloads(for: F.hundredChanges)
        let one = try formatter.payloads(for: [F.statusChange(1)])[0].body.count
        let two = try formatter.payloads(for: [F.statusChange(1), F.statusChange(2)])[0].body.count
        let perMessage = (32_000 - (2 * one - two)) / (two - one)
        let minimum = (100 + perMessage - 1) / perMessage
        #expect(payloads.count >= minimum && payloads.count <= minimum + 1)
        #expect(payloads.allSatisfy { $0.body.count <= 32_000 })
        F.expectComplete(payloads, F.hundredChanges)
    }

    @Test func manyLongLinesSplitByBytes() throws {
        // Non-ASCII summaries: the limit counts bytes, not characters.
        let events = (1...40).map { F.statusChange($0, summary: String(repeating: "ü", count: 1_800) + " (8988216716\(String(format: "%09d", $0)))") }
        let formatter = GoogleChatFormatter()
        let payloads = try formatter.payloads(for: events)
        let one = try formatter.payloads(for: [events[0]])[0].body.count
        let two = try formatter.payloads(for: Array(events[0..<2]))[0].body.count
        let perMessage = (32_000 - (2 * one - two)) / (two - one)
        let minimum = (40 + perMessage - 1) / perMessage
        #expect(minimum >= 4)
        #expect(payloads.count >= minimum && payloads.count <= minimum + 1, "\(payloads.count) messages")
        #expect(payloads.allSatisfy { $0.body.count <= 32_000 })
        F.expectComplete(payloads, events)
    }

    @Test func longSummaryIsCutNotDropped() throws {
        let event = F.statusChange(5, name: String(repeating: "\"", count: 50_000))
        let payloads = try GoogleChatFormatter().payloads(for: [event])
        #expect(payloads.count == 1 && payloads[0].body.count <= 32_000)
        F.expectComplete(payloads, [event])
    }
}

@Suite struct FormatMattermostTests {
    typealias F = FormatFixtures

    @Test func payloadHasColoredAttachments() throws {
        let events = [F.statusChange(1), F.threshold, F.overage(reached: false)]
        let payload = try #require(try MattermostFormatter().payloads(for: events).first)
        let object = try F.json(payload)
        #expect(object["text"] as? String == "**simwatch: 3 alerts**")
        let attachments = try #require(object["attachments"] as? [[String: String]])
        #expect(attachments.map { $0["color"] } == ["#d00000", "#f2a900", "#2f80ed"])
        #expect(attachments[0]["title"] == "🔴 Status changed (critical)")
        #expect(attachments[0]["text"] == "truck-001 (8988216716000000001): status ACTIVATED -> DEACTIVATED\n2026-11-27 10:00 UTC")
        #expect(attachments[0]["fallback"] == "Status changed: truck-001 (8988216716000000001): status ACTIVATED -> DEACTIVATED")
        #expect(attachments[2]["title"] == "🔵 Overage limit cleared (info)")
    }

    @Test func largeBatchesStayWithinTheMessageLimit() throws {
        let events = (1...300).map { F.statusChange($0) }
        let payloads = try MattermostFormatter().payloads(for: events)
        #expect(payloads.count > 1)
        for payload in payloads {
            #expect(FormatFixtures.text(payload).count <= 16_000)
        }
        F.expectComplete(payloads, events)
        let long = F.statusChange(1, name: String(repeating: "m", count: 40_000))
        let single = try MattermostFormatter().payloads(for: [long])
        #expect(single.count == 1 && FormatFixtures.text(single[0]).count <= 16_000)
        F.expectComplete(single, [long])
    }
}
