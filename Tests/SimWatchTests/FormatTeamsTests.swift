import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore

@Suite struct FormatTeamsTests {
    typealias F = FormatFixtures

    private func card(_ payload: WebhookPayload) throws -> [String: Any] {
        let object = try F.json(payload)
        let attachment = try #require((object["attachments"] as? [[String: Any]])?.first)
        return try #require(attachment["content"] as? [String: Any])
    }

    @Test func payloadIsAnAdaptiveCardMessage() throws {
        let payload = try #require(try TeamsFormatter().payloads(for: [F.statusChange(1), F.threshold]).first)
        let object = try F.json(payload)
        #expect(object["type"] as? String == "message")
        let attachments = try #require(object["attachments"] as? [[String: Any]])
        #expect(attachments.count == 1)
        #expect(attachments[0]["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        #expect(attachments[0]["contentUrl"] is NSNull)
        let card = try card(payload)
        #expect(card["$schema"] as? String == "http://adaptivecards.io/schemas/adaptive-card.json")
        #expect(card["type"] as? String == "AdaptiveCard")
        #expect(card["version"] as? String == "1.4")
        let body = try #require(card["body"] as? [[String: Any]])
        #expect(body.count == 5)
        #expect(body[0]["type"] as? String == "TextBlock")
        #expect(body[0]["text"] as? String == "simwatch: 2 alerts")
        #expect(body[0]["weight"] as? String == "bolder")
        #expect(body[0]["size"] as? String == "medium")
        #expect(body[0]["wrap"] as? Bool == true)
        #expect(body[1]["type"] as? String == "TextBlock")
        #expect(body[1]["wrap"] as? Bool == true)
        #expect(body[1]["text"] as? String
                == "🔴 **Status changed**: truck-001 (8988216716000000001): status ACTIVATED -> DEACTIVATED")
        #expect(body[2]["type"] as? String == "FactSet")
        let facts = try #require(body[2]["facts"] as? [[String: String]])
        #expect(facts.map { $0["title"] ?? "" } == ["Severity", "ICCID", "Device", "Previous", "Current", "Observed"])
        #expect(facts.map { $0["value"] ?? "" }
                == ["critical", "8988216716000000001", "truck-001", "ACTIVATED", "DEACTIVATED", "2026-11-27 10:00 UTC"])
        let thresholdFacts = try #require(body[4]["facts"] as? [[String: String]])
        #expect(thresholdFacts.contains { $0["title"] == "Value" && $0["value"] == "812.3 MB" })
        #expect(thresholdFacts.contains { $0["title"] == "Threshold" && $0["value"] == "800 MB (80 %)" })
    }

    @Test func hundredStatusChangesFillTheFewestMessages() throws {
        let formatter = TeamsFormatter()
        let payloads = try formatter.payloads(for: F.hundredChanges)
        // Measured from the formatter's own output: one event, then two of the same size.
        let one = try formatter.payloads(for: [F.statusChange(1)])[0].body.count
        let two = try formatter.payloads(for: [F.statusChange(1), F.statusChange(2)])[0].body.count
        let perEvent = two - one
        let envelope = one - perEvent
        let perMessage = (28_000 - envelope) / perEvent
        let minimum = (100 + perMessage - 1) / perMessage
        #expect(minimum > 1, "the case must need several messages")
        #expect(payloads.count >= minimum && payloads.count <= minimum + 1, "\(payloads.count) messages, minimum \(minimum)")
        for payload in payloads {
            #expect(payload.body.count <= 28_000)
        }
        // Full messages: the next event would not have fit.
        for payload in payloads.dropLast() {
            #expect(payload.body.count + perEvent > 28_000 - 8)
        }
        F.expectComplete(payloads, F.hundredChanges)
    }

    @Test func longSummaryIsCutNotDropped() throws {
        let event = F.statusChange(3, name: String(repeating: "ä\"", count: 20_000))
        let payloads = try TeamsFormatter().payloads(for: [event, F.statusChange(4)])
        #expect(payloads.allSatisfy { $0.body.count <= 28_000 })
        F.expectComplete(payloads, [event, F.statusChange(4)])
        let body = try #require(try card(payloads[0])["body"] as? [[String: Any]])
        #expect((body[1]["text"] as? String)?.hasSuffix("… (8988216716000000003)") == true)
    }
}
