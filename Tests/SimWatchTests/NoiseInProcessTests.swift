import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchMonitor
@testable import SimWatchState

/// Flapping and maintenance windows through the whole daemon, on the test clock.
@Suite(.serialized) struct NoiseInProcessTests {
    /// 2026-11-28 (a Saturday) 01:00 UTC.
    static let saturday = Date(timeIntervalSince1970: 1_795_827_600)

    @Test("a SIM that flaps 6 times in 10 minutes gives one flapping and, once stable, one flapping_ended")
    func flappingIsDamped() async throws {
        let folder = try TemporaryDirectory()
        let harness = try await InProcessHarness(devices: 2, stateFile: folder.file("state.json"))
        var config = await harness.config(interval: .seconds(30), groupWait: .seconds(1))
        // A 10-minute window keeps the test short; the rule is the same as with the default hour.
        config.flapping = FlappingSettings(changes: 4, within: .seconds(600))
        harness.start(config, steppedWallClock: Self.saturday)
        #expect(await harness.run(until: .seconds(60)) { harness.logs.records.contains { $0.message == "cycle finished" } })
        let iccid = await harness.simulator.iccids[0]
        for _ in 0..<6 {
            _ = await harness.simulator.update(iccid) { $0.status = $0.status == "DEACTIVATED" ? "ACTIVATED" : "DEACTIVATED" }
            await harness.run(for: .seconds(100))
        }
        #expect(await harness.run(until: .seconds(30)) { await harness.delivered().contains { $0.kind == .flapping } })
        let saved = try #require(try StateStore(path: harness.stateFile, logger: harness.logs.logger).read())
        #expect(saved.devices[iccid]?.flapping?.status?.flappingSince != nil, "the state file knows it is flapping")
        #expect(await harness.run(until: .seconds(700)) { await harness.delivered().contains { $0.kind == .flappingEnded } })
        #expect(harness.clock.elapsed > .seconds(1100), "not before 10 minutes without a change")
        try await harness.stop()
        let events = await harness.delivered().filter { $0.iccid == iccid }
        #expect(events.filter { $0.kind == .statusChanged }.count == 3, "only the changes before the count")
        #expect(events.filter { $0.kind == .flapping }.count == 1)
        #expect(events.filter { $0.kind == .flappingEnded }.count == 1)
        #expect(events.first { $0.kind == .flappingEnded }?.previous == events.first { $0.kind == .statusChanged }?.previous)
        #expect(harness.logs.records.filter { $0.metadata["damped"] == "flapping" }.count == 2)
    }

    @Test("a maintenance window holds matching alerts back on its schedule and lets the others through")
    func windowOnItsSchedule() async throws {
        let folder = try TemporaryDirectory()
        let harness = try await InProcessHarness(devices: 2, stateFile: folder.file("state.json"))
        var config = await harness.config(interval: .seconds(30), groupWait: .seconds(1))
        let (quiet, loud) = (config.devices[0].iccid, config.devices[1].iccid)
        config.flapping = nil
        // Saturdays 01:05-01:15 UTC: opens 5 minutes after the start.
        config.maintenance = [MaintenanceWindow(
            name: "nightly", match: EventMatch([.iccid: [quiet]]), days: [.sat], from: 3900, to: 4500,
            timeZone: TimeZone(identifier: "UTC")!)]
        harness.start(config, steppedWallClock: Self.saturday)
        #expect(await harness.run(until: .seconds(60)) { harness.logs.records.contains { $0.message == "cycle finished" } })
        func flipBoth() async {
            for iccid in [quiet, loud] {
                _ = await harness.simulator.update(iccid) { $0.status = $0.status == "DEACTIVATED" ? "ACTIVATED" : "DEACTIVATED" }
            }
        }
        func changes(_ iccid: String) async -> Int {
            await harness.delivered().filter { $0.kind == .statusChanged && $0.iccid == iccid }.count
        }
        await flipBoth()  // before the window: both sent
        #expect(await harness.run(until: .seconds(120)) {
            let (q, l) = (await changes(quiet), await changes(loud))
            return q == 1 && l == 1
        })
        await harness.run(for: .seconds(400) - harness.clock.elapsed)
        await flipBoth()  // inside the window: only the loud one
        #expect(await harness.run(until: .seconds(120)) { await changes(loud) == 2 })
        #expect(await harness.run(until: .seconds(60)) {
            harness.logs.records.contains { $0.metadata["silenced"] != nil }
        })
        #expect(await changes(quiet) == 1)
        #expect(harness.logs.records.contains { $0.metadata["silenced"] == "nightly" && $0.metadata["iccid"] == "\(quiet)" })
        await harness.run(for: .seconds(1000) - harness.clock.elapsed)
        await flipBoth()  // after the window: both again
        #expect(await harness.run(until: .seconds(120)) {
            let (q, l) = (await changes(quiet), await changes(loud))
            return q == 2 && l == 3
        })
        try await harness.stop()
    }
}
