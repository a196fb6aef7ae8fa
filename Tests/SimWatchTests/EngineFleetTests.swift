import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchMonitor
@testable import SimWatchState

/// The engine's side of the feed: which SIMs are watched and polled, and what a reload does.
@Suite struct EngineFleetTests {
    static let configured = DeviceEntry(iccid: "8988216716970004975", name: "truck-17")
    static let listed = [
        ListedDevice(iccid: "8988216716970004975", status: "DEACTIVATED"),
        ListedDevice(iccid: "8988216716970000001", status: "ACTIVATED", ratePlan: "P1"),
        ListedDevice(iccid: "8988216716970000002", status: "RETIRED"),
    ]

    static func config(stateFile: String, fleet: FleetSettings) -> Config {
        var config = StateEngineStartTests.config(stateFile: stateFile)
        config.devices = [configured]
        config.fleet = fleet
        return config
    }

    @Test func discoveryWatchesTheAccountAndAReloadWithoutItForgetsIt() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let discovering = Self.config(stateFile: folder.statePath, fleet: FleetSettings(discover: true))
        let engine = MonitorEngine(config: discovering, logger: CapturedLogs().logger, now: { StateFixtures.now })
        try await engine.start()

        let whole = await engine.feedWindow()
        #expect(whole.wholeAccount)
        #expect(await engine.recordListing(Self.listed, window: whole).isEmpty, "the first listing is a baseline")
        await engine.finishFeedPass(window: whole, startedAt: StateFixtures.now)
        // The configured SIM is polled whatever its status; the discovered one for its status.
        #expect(await engine.usageTargets().map(\.iccid) == ["8988216716970004975", "8988216716970000001"])

        let next = await engine.feedWindow()
        #expect(!next.wholeAccount && next.firstListing == .discovered)
        let events = await engine.recordListing(
            [ListedDevice(iccid: "8988216716970000002", status: "ACTIVATED"), ListedDevice(iccid: "8988216716970000003", status: "TEST_READY")],
            window: next)
        #expect(events.map(\.kind) == [.statusChanged, .deviceDiscovered])
        #expect(await engine.usageTargets().count == 4)
        // A usage answer of a discovered SIM is kept and starts from its listing.
        let usage = DeviceUsage(iccid: "8988216716970000001", status: "ACTIVATED", ratePlan: "P2", ctdDataUsage: 10)
        #expect(await engine.recordUsage(usage, for: DeviceEntry(iccid: "8988216716970000001")).map(\.kind) == [.ratePlanChanged])

        // A reload that turns discovery off watches the configured devices only.
        await engine.apply(Self.config(stateFile: folder.statePath, fleet: FleetSettings()))
        #expect(await engine.usageTargets() == [Self.configured])
        #expect(await engine.state.inventory.keys.sorted() == ["8988216716970004975"])
        #expect(await engine.state.devices["8988216716970000001"] == nil)
        #expect(await engine.recordListing(Self.listed, window: await engine.feedWindow()).isEmpty)
        #expect(await engine.state.inventory.count == 1, "without discovery, other listed SIMs are not kept")

        // Turned on again, the account is listed whole, as a baseline.
        await engine.apply(discovering)
        #expect(await engine.feedWindow().wholeAccount)
        await engine.close()
    }

    @Test func theInventoryAndWatermarkSurviveARestart() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let config = Self.config(stateFile: folder.statePath, fleet: FleetSettings(discover: true))
        let first = MonitorEngine(config: config, logger: CapturedLogs().logger, now: { StateFixtures.now })
        try await first.start()
        let window = await first.feedWindow()
        await first.recordListing(Self.listed, window: window)
        await first.finishFeedPass(window: window, startedAt: StateFixtures.now)
        await first.close()

        let later = StateFixtures.now.addingTimeInterval(3600)
        let second = MonitorEngine(config: config, logger: CapturedLogs().logger, now: { later })
        try await second.start()
        #expect(await second.inventoryCount == 3)
        #expect(await second.feedWindow() == FeedWindow(
            modifiedSince: StateFixtures.now.addingTimeInterval(-FeedWindow.overlap), wholeAccount: false, firstListing: .discovered))
        #expect(await second.recordListing(Self.listed, window: await second.feedWindow()).isEmpty, "unchanged SIMs raise nothing")
        await second.close()
    }
}
