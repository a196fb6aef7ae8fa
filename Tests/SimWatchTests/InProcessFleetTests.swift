import Foundation
import Simulator
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchState

/// Issue 10's acceptance for discovery and the change feed, against the simulator: a
/// configuration with only `control_center:` and `fleet: {discover: true}`.
@Suite(.serialized) struct InProcessFleetTests {
    static let usageStatuses: Set<String> = ["ACTIVATED", "TEST_READY"]

    static func fleetConfig(_ harness: InProcessHarness, changesEvery: Duration = .seconds(1)) async -> Config {
        var config = await harness.config(interval: .seconds(600), groupWait: .seconds(1))
        config.devices = []
        config.fleet = FleetSettings(discover: true, changesEvery: changesEvery)
        return config
    }

    /// Waits, in real time, until the daemon has started `times` times: loading the state is
    /// file work the harness cannot see, and its clock must not run ahead of it.
    static func waitForStart(_ harness: InProcessHarness, times: Int = 1) async {
        for _ in 0..<2_000 {
            let starts = harness.logs.records.filter {
                $0.message == "state loaded" || $0.message.hasPrefix("no state file yet")
            }.count
            if starts >= times { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the daemon did not start")
    }

    /// Like `harness.run(until:)`, but each 100 ms of test clock also gives the daemon a few
    /// milliseconds of real time: a feed pass does engine work between its requests that the
    /// harness cannot see, and the clock must not run ahead of it on a busy machine.
    static func drive(_ harness: InProcessHarness, until limit: Duration, _ condition: () async -> Bool) async -> Bool {
        let end = harness.clock.elapsed + limit
        while harness.clock.elapsed < end {
            if await condition() { return true }
            await harness.run(for: .milliseconds(100))
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await condition()
    }

    @Test("once lists 120 SIMs in 3 pages, polls exactly those in usage_statuses, raises no events")
    func onceDiscoversTheAccount() async throws {
        let folder = try TemporaryDirectory()
        let harness = try await InProcessHarness(devices: 120, stateFile: folder.file("state.json"))
        let config = await Self.fleetConfig(harness)
        let runtime = Runtime.make(config: config, logger: harness.logs.logger, http: harness.http)
        let report = try await OnceRun.run(runtime: runtime)
        #expect(report.succeeded)

        let searches = await harness.simulator.requests(endpoint: .searchDevices)
        #expect(searches.count == 3)
        #expect(searches.allSatisfy { $0.query.contains("modifiedSince=2000-01-01T00:00:00%2B00:00") && $0.query.contains("pageSize=50") })
        #expect(searches.map { $0.query.contains("pageNumber=\(searches.firstIndex(of: $0)! + 1)") } == [true, true, true])
        let expected = await harness.simulator.allDevices().filter { Self.usageStatuses.contains($0.status) }.map(\.iccid)
        let polled = await harness.simulator.requests(endpoint: .ctdUsages).compactMap(\.iccid)
        #expect(!expected.isEmpty && expected.count < 120)
        #expect(Set(polled) == Set(expected) && polled.count == expected.count)
        #expect(report.devices == expected.count && report.polled == expected.count && report.events == 0)

        let saved = try #require(try StateStore(path: folder.file("state.json"), logger: harness.logs.logger).read())
        #expect(saved.inventory.count == 120 && saved.feed.complete && saved.feed.watermark != nil)
        #expect(saved.outbox.isEmpty)
        #expect(harness.logs.records.contains { $0.message == "inventory listed" && $0.metadata["pages"] == "3" })
        await runtime.engine.close()
        try await harness.stop()
    }

    @Test("run reports status changes within changes_every, unpolled SIMs too, and new SIMs; a restart continues from the watermark")
    func runFollowsTheFeed() async throws {
        let folder = try TemporaryDirectory()
        let harness = try await InProcessHarness(devices: 120, stateFile: folder.file("state.json"))
        let config = await Self.fleetConfig(harness)
        harness.start(config)
        await Self.waitForStart(harness)
        // The cycle spreads its polls over the 10-minute interval; the feed runs every second meanwhile.
        #expect(await Self.drive(harness, until: .seconds(30)) { harness.logs.records.contains { $0.message == "inventory listed" } })
        _ = await Self.drive(harness, until: .seconds(3)) { false }
        #expect(await harness.delivered().isEmpty, "the initial inventory is a baseline")

        // A SIM that is never usage-polled, and one that is (its next poll is 10 minutes away).
        let devices = await harness.simulator.allDevices()
        let unpolled = try #require(devices.first { !Self.usageStatuses.contains($0.status) }).iccid
        let polled = try #require(devices.first { $0.status == "ACTIVATED" }).iccid
        _ = await harness.simulator.update(unpolled) { $0.status = "RETIRED" }
        _ = await harness.simulator.update(polled) { $0.ratePlan = "Plan-XXL" }
        let added = await harness.simulator.addGeneratedDevices(1)
        let changedAt = harness.clock.elapsed
        let usageBefore = await harness.simulator.requests(endpoint: .ctdUsages).filter { $0.iccid == unpolled }.count
        #expect(await Self.drive(harness, until: .seconds(10)) { await harness.delivered().count >= 3 })
        #expect(harness.clock.elapsed - changedAt <= .seconds(1 + 5), "within changes_every plus a few seconds")

        let delivered = await harness.delivered()
        let status = try #require(delivered.first { $0.kind == .statusChanged })
        #expect(status.iccid == unpolled && status.previous != nil && status.current == .string("RETIRED"))
        #expect(delivered.first { $0.kind == .ratePlanChanged }?.iccid == polled)
        let discovered = try #require(delivered.first { $0.kind == .deviceDiscovered })
        #expect(discovered.iccid == added.first && discovered.severity == .info && discovered.current != nil)
        #expect(discovered.device?.iccid == added.first)
        #expect(delivered.count == 3, "\(delivered.map(\.kind)) \(harness.logs.records.map { "\($0.message) \($0.metadata)" })")
        let usageAfter = await harness.simulator.requests(endpoint: .ctdUsages).filter { $0.iccid == unpolled }.count
        #expect(usageBefore == 0 && usageAfter == 0, "the unpolled SIM's change came from the feed")
        try await harness.stopDaemon()

        // A restart: one incremental page, no whole listing, no events for unchanged SIMs.
        await harness.simulator.resetLog()
        let before = await harness.delivered().count
        harness.start(config)
        await Self.waitForStart(harness, times: 2)
        #expect(await Self.drive(harness, until: .seconds(30)) { await harness.simulator.requestCount(.searchDevices) >= 3 })
        let searches = await harness.simulator.requests(endpoint: .searchDevices)
        #expect(searches.allSatisfy { !$0.query.contains("2000-01-01") && $0.query.contains("pageNumber=1") })
        #expect(await harness.delivered().count == before)
        try await harness.stop()
        let saved = try #require(try StateStore(path: folder.file("state.json"), logger: harness.logs.logger).read())
        #expect(saved.inventory.count == 121 && saved.inventory[unpolled]?.status == "RETIRED")
    }

    @Test("a role that may not call Search Devices: one error line, usage polling goes on")
    func refusedRole() async throws {
        let folder = try TemporaryDirectory()
        let harness = try await InProcessHarness(devices: 5, stateFile: folder.file("state.json"))
        await harness.simulator.injectFault(endpoint: .searchDevices, fault: .roleNotAllowed)
        var config = await harness.config(interval: .seconds(2), groupWait: .seconds(1))
        config.fleet = FleetSettings(discover: false, changesEvery: .seconds(1))
        harness.start(config)
        await Self.waitForStart(harness)
        #expect(await Self.drive(harness, until: .seconds(20)) {
            harness.logs.records.filter { $0.message == "cycle finished" }.count >= 3
        }, "\(harness.logs.records.map { "\($0.message) \($0.metadata)" })")
        let refusals = harness.logs.records.filter { $0.message.hasPrefix("change feed refused") }
        #expect(refusals.count == 1)
        #expect(refusals.first?.message.contains("role may not call Search Devices") == true)
        #expect(await harness.simulator.requests(endpoint: .searchDevices).count >= 5, "tried again every period")
        #expect(!harness.logs.records.contains { $0.message == "cycle failed" })
        try await harness.stop()
    }

    @Test("discovery refused with nothing configured: once fails, since nothing is watched")
    func refusedDiscoveryWatchesNothing() async throws {
        let folder = try TemporaryDirectory()
        let harness = try await InProcessHarness(devices: 5, stateFile: folder.file("state.json"))
        await harness.simulator.injectFault(endpoint: .searchDevices, fault: .roleNotAllowed)
        let config = await Self.fleetConfig(harness)
        let runtime = Runtime.make(config: config, logger: harness.logs.logger, http: harness.http)
        let report = try await OnceRun.run(runtime: runtime)
        #expect(report.failure?.hasPrefix("discovery failed: the API user's role may not call Search Devices") == true,
                "\(report.failure ?? "succeeded")")
        #expect(await runtime.engine.state.health.pollFailedRaised)
        #expect(await harness.simulator.requestCount(.ctdUsages) == 0)
        await runtime.engine.close()
        try await harness.stop()
    }

    @Test("a 401 on Search Devices fails the cycle when no poll proves the credentials")
    func rejectedCredentialsFailTheCycle() async throws {
        let folder = try TemporaryDirectory()
        let harness = try await InProcessHarness(devices: 5, stateFile: folder.file("state.json"))
        await harness.simulator.injectFault(fault: .invalidCredentials)
        let config = await Self.fleetConfig(harness)
        let runtime = Runtime.make(config: config, logger: harness.logs.logger, http: harness.http)
        let report = try await OnceRun.run(runtime: runtime)
        #expect(report.failure?.contains("credentials rejected on Search Devices") == true)
        let saved = await runtime.engine.state
        #expect(saved.health.pollFailedRaised && !saved.feed.complete)
        #expect(harness.logs.records.contains { $0.message.hasPrefix("change feed refused: Search Devices answered 401") })
        await runtime.engine.close()
        try await harness.stop()
    }
}
