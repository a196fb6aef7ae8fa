import Foundation
import Simulator
import Testing

@Suite(.serialized) struct ChatFormatsTests {
    /// 100 devices change status in one cycle; each chat format gets every ICCID, within its limits,
    /// in (nearly) as few messages as the limits allow.
    @Test func hundredStatusChangesFitEveryChatFormat() async throws {
        let paths = ["slack", "discord", "teams", "google_chat"]
        let fixture = try await Fixture.start(devices: 100, extraYAML: paths.map { format in
            "  - { name: \(format)-hook, format: \(format), url: \"URL/\(format)\" }"
        }.joined(separator: "\n"))
        let baseURL = await fixture.sink.url(path: "")
        try fixture.folder.write("simwatch.yaml", try #require(fixture.folder.read("simwatch.yaml"))
            .replacingOccurrences(of: "URL/", with: "\(baseURL)/"))
        defer { Task { await fixture.stop() } }
        #expect(try await fixture.once().status == 0)
        for iccid in fixture.iccids {
            _ = await fixture.simulator.update(iccid) { $0.status = $0.status == "RETIRED" ? "ACTIVATED" : "RETIRED" }
        }
        let run = try await fixture.once(timeout: .seconds(120))
        #expect(run.status == 0, "\(run.stderr)")
        let requests = await fixture.sink.requests
        func bodies(_ path: String) -> [Data] { requests.filter { $0.path == "/\(path)" }.map(\.body) }
        func json(_ body: Data) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        }
        for path in paths {
            let text = bodies(path).map { String(decoding: $0, as: UTF8.self) }.joined()
            let missing = fixture.iccids.filter { !text.contains($0) }
            #expect(missing.isEmpty, "\(path) lacks \(missing.count) ICCIDs")
        }

        let slack = try bodies("slack").map(json)
        #expect(slack.allSatisfy { (($0["blocks"] as? [Any])?.count ?? 99) <= 50 && $0["text"] is String })
        #expect(slack.count <= 3 + 1)  // one header + 49 sections a message: ceil(100 / 49)

        let discord = try bodies("discord").map(json)
        for message in discord {
            let embeds = message["embeds"] as? [[String: Any]] ?? []
            #expect(embeds.count <= 10)
            #expect(((message["content"] as? String) ?? "").count <= 2000)
            #expect((message["allowed_mentions"] as? [String: Any])?["parse"] as? [Any] != nil)
        }
        #expect(discord.count <= 10 + 1)  // 10 embeds a message

        let teams = bodies("teams")
        #expect(teams.allSatisfy { $0.count <= 28_000 })
        #expect(teams.count <= Int((Double(teams.map(\.count).reduce(0, +)) / 28_000).rounded(.up)) + 1)

        let chat = bodies("google_chat")
        #expect(chat.allSatisfy { $0.count <= 32_000 })
        #expect(chat.count <= Int((Double(chat.map(\.count).reduce(0, +)) / 32_000).rounded(.up)) + 1)
        #expect(!run.stderr.contains("CANARY-HOOK-TOKEN"))
    }
}
