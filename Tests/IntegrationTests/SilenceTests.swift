import Foundation
import Simulator
import Testing

/// `simwatch silence` against a running `simwatch run`: the daemon follows the file within 2 s.
@Suite(.serialized) struct SilenceTests {
    /// Flips a device's status in the simulator, ACTIVATED <-> DEACTIVATED.
    static func flip(_ fixture: Fixture, _ iccid: String) async {
        _ = await fixture.simulator.update(iccid) { $0.status = $0.status == "DEACTIVATED" ? "ACTIVATED" : "DEACTIVATED" }
    }

    static func statusChanges(_ fixture: Fixture, _ iccid: String) async -> Int {
        ((try? await fixture.deliveredEvents()) ?? []).filter { $0.kind == .statusChanged && $0.iccid == iccid }.count
    }

    @Test func aSilenceAddedWhileRunningHoldsItsAlertsBackAndExpiringItLetsThemThrough() async throws {
        let fixture = try await Fixture.start(interval: "1s")
        defer { Task { await fixture.stop() } }
        let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
        #expect(await daemon.waitForLog { $0.contains("cycle finished") })
        let quiet = fixture.iccids[0], loud = fixture.iccids[1]

        let added = try await SimwatchProcess.run(
            ["silence", "add", "--config", fixture.configPath, "--match", "iccid=\(quiet)", "--for", "1h",
             "--reason", "modem swap"],
            in: fixture.folder.path, environment: fixture.environment)
        #expect(added.status == 0, "stderr: \(added.stderr)")
        let id = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 8 && id.allSatisfy(\.isHexDigit), "stdout: \(added.stdout)")
        // The daemon reads the file within 2 s of the change.
        try await Task.sleep(for: .seconds(2))
        #expect(daemon.stderr.contains("silences loaded"))

        await Self.flip(fixture, quiet)
        await Self.flip(fixture, loud)
        #expect(await eventually { await Self.statusChanges(fixture, loud) == 1 })
        #expect(await daemon.waitForLog { $0.contains("silenced=\(id)") && $0.contains("iccid=\(quiet)") })
        #expect(await Self.statusChanges(fixture, quiet) == 0)

        let listed = try await SimwatchProcess.run(
            ["silence", "list", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
        #expect(listed.stdout.contains(id) && listed.stdout.contains("active") && listed.stdout.contains("modem swap"))

        let expired = try await SimwatchProcess.run(
            ["silence", "expire", "--config", fixture.configPath, id], in: fixture.folder.path, environment: fixture.environment)
        #expect(expired.status == 0, "stderr: \(expired.stderr)")
        try await Task.sleep(for: .seconds(2))
        await Self.flip(fixture, quiet)
        #expect(await eventually { await Self.statusChanges(fixture, quiet) == 1 })

        let json = try await SimwatchProcess.run(
            ["silence", "list", "--config", fixture.configPath, "--json"], in: fixture.folder.path, environment: fixture.environment)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.first?["id"] as? String == id && rows.first?["state"] as? String == "expired")

        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: .seconds(10)) == 0)
    }

    @Test func badRequestsAndBadFilesAreReportedNotCrashedOn() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let bad = try await SimwatchProcess.run(
            ["silence", "add", "--config", fixture.configPath, "--match", "colour=red", "--for", "1h", "--reason", "r"],
            in: fixture.folder.path, environment: fixture.environment)
        #expect(bad.status == 64 && bad.stderr.contains("unknown match key"), "stderr: \(bad.stderr)")
        try fixture.folder.write("silences.json", "{\"version\": 1, \"silences\": [")
        let list = try await SimwatchProcess.run(
            ["silence", "list", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
        #expect(list.status == 1 && list.stderr.contains("silences.json"), "stderr: \(list.stderr)")
        // The daemon logs the file with its path and runs on.
        let once = try await fixture.once()
        #expect(once.status == 0)
        #expect(once.stderr.contains("silences file not usable") && once.stderr.contains("silences.json"))
    }
}
