import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchCore

@Suite struct FormatDiscordTests {
    typealias F = FormatFixtures

    private func embeds(_ payload: WebhookPayload) throws -> [[String: Any]] {
        try #require(try F.json(payload)["embeds"] as? [[String: Any]])
    }

    /// The characters Discord counts against a message's 6,000.
    private func characters(_ embed: [String: Any]) -> Int {
        let fields = (embed["fields"] as? [[String: Any]]) ?? []
        return ((embed["title"] as? String)?.utf16.count ?? 0) + ((embed["description"] as? String)?.utf16.count ?? 0)
            + fields.reduce(0) { $0 + (($1["name"] as? String)?.utf16.count ?? 0) + (($1["value"] as? String)?.utf16.count ?? 0) }
    }

    @Test func payloadHasContentEmbedsAndNoMentions() throws {
        let payload = try #require(try DiscordFormatter().payloads(for: [F.statusChange(1), F.threshold, F.test]).first)
        let object = try F.json(payload)
        #expect(object["content"] as? String == "**simwatch: 3 alerts**")
        #expect((object["allowed_mentions"] as? [String: Any])?["parse"] as? [Any] != nil)
        #expect(((object["allowed_mentions"] as? [String: Any])?["parse"] as? [Any])?.isEmpty == true)
        let embeds = try embeds(payload)
        #expect(embeds.count == 3)
        #expect(embeds[0]["title"] as? String == "🔴 Status changed")
        #expect(embeds[0]["description"] as? String == "truck-001 (8988216716000000001): status ACTIVATED -> DEACTIVATED")
        #expect(embeds[0]["color"] as? Int == 0xD00000)
        #expect(embeds[1]["color"] as? Int == 0xF2A900)
        #expect(embeds[2]["color"] as? Int == 0x2F80ED)
        #expect(embeds[2]["title"] as? String == "🧪 Test alert (no action needed)")
        #expect(embeds[0]["timestamp"] as? String == "2026-11-27T10:00:00Z")
        let fields = try #require(embeds[0]["fields"] as? [[String: Any]])
        #expect(fields.map { $0["name"] as? String } == ["Severity", "ICCID", "Device", "Previous", "Current"])
        #expect(fields[1]["value"] as? String == "8988216716000000001")
    }

    @Test func hundredStatusChangesFillTheFewestMessages() throws {
        let payloads = try DiscordFormatter().payloads(for: F.hundredChanges)
        let total = F.hundredChanges.count
        let perEmbed = characters(try embeds(payloads[0])[0])
        let minimum = max((total + 9) / 10, (total * perEmbed + 5_999) / 6_000)
        #expect(payloads.count >= minimum && payloads.count <= minimum + 1, "\(payloads.count) messages")
        for payload in payloads {
            let object = try F.json(payload)
            #expect(((object["content"] as? String) ?? "").utf16.count <= 2_000)
            let embeds = try embeds(payload)
            #expect(embeds.count <= 10)
            #expect(embeds.reduce(0) { $0 + characters($1) } <= 6_000)
            for embed in embeds {
                #expect(((embed["title"] as? String) ?? "").utf16.count <= 256)
                #expect(((embed["description"] as? String) ?? "").utf16.count <= 4_096)
                let fields = (embed["fields"] as? [[String: Any]]) ?? []
                #expect(fields.count <= 25)
                #expect(fields.allSatisfy { (($0["value"] as? String) ?? "").utf16.count <= 1_024 })
            }
        }
        F.expectComplete(payloads, F.hundredChanges)
    }

    @Test func bigEmbedsSplitByTheCharacterTotal() throws {
        // About 2,600 characters each: two fit in 6,000, three do not.
        let events = (1...5).map { F.statusChange($0, summary: String(repeating: "x", count: 2_500) + " (8988216716000000\($0))") }
        let payloads = try DiscordFormatter().payloads(for: events)
        #expect(payloads.map(\.eventIDs.count) == [2, 2, 1])
        for payload in payloads {
            #expect(try embeds(payload).reduce(0) { $0 + characters($1) } <= 6_000)
        }
    }

    @Test func longSummaryIsCutNotDropped() throws {
        let event = F.statusChange(9, name: String(repeating: "n", count: 10_000))
        let payloads = try DiscordFormatter().payloads(for: [event])
        let embed = try #require(try embeds(payloads[0]).first)
        let description = try #require(embed["description"] as? String)
        #expect(description.utf16.count <= 4_096)
        #expect(description.hasSuffix("… (8988216716000000009)"))
        #expect(characters(embed) <= 6_000)
        F.expectComplete(payloads, [event])
    }
}
