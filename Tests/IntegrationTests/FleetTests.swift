import Foundation
import Simulator
import Testing

/// Discovery and the change feed in the binary: `once` and `check --online`.
@Suite(.serialized) struct FleetTests {
    static let discovery = "fleet: { discover: true }"

    @Test func onceDiscoversTheAccountAndPollsItsActiveSIMs() async throws {
        let fixture = try await Fixture.start(extraYAML: Self.discovery)
        defer { Task { await fixture.stop() } }
        let added = await fixture.simulator.addGeneratedDevices(57)
        let result = try await fixture.once()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("inventory listed") && result.stderr.contains("pages=2"), "\(result.stderr)")
        // Two pages, each asked for once; a page asked for again after the 2 s timeout is the
        // same page (a suite that holds both pool threads can make the in-process simulator
        // answer late), so pages are counted, not requests.
        let listings = await fixture.simulator.requests(endpoint: .searchDevices)
        #expect(Set(listings.map(\.query)).count == 2, "\(listings.map { "\($0.status) \($0.query)" }) \(result.stderr)")
        let active = await fixture.simulator.allDevices().filter { ["ACTIVATED", "TEST_READY"].contains($0.status) }.map(\.iccid)
        let expected = Set(fixture.iccids).union(active)
        let polled = await fixture.simulator.requests(endpoint: .ctdUsages).compactMap(\.iccid)
        #expect(Set(polled) == expected && polled.count == expected.count)
        let state = try fixture.state()
        #expect(state.inventory.count == 60 && state.feed.complete && Set(added).isSubset(of: state.inventory.keys))
        #expect(try await fixture.deliveredEvents().isEmpty, "the initial inventory is a baseline")

        // The next run lists only what changed since the watermark (minus the 5-minute overlap,
        // which still holds the 57 just added): no whole listing, and one new SIM.
        await fixture.simulator.resetLog()
        let late = await fixture.simulator.addGeneratedDevices(1)
        let again = try await fixture.once()
        #expect(again.status == 0, "\(again.stderr)")
        let searches = await fixture.simulator.requests(endpoint: .searchDevices)
        #expect(!searches.isEmpty && searches.allSatisfy { !$0.query.contains("2000-01-01") })
        let events = try await fixture.deliveredEvents()
        #expect(events.map(\.kind) == [.deviceDiscovered] && events.first?.iccid == late.first)
    }

    @Test func checkOnlineAsksSearchDevicesToo() async throws {
        let fixture = try await Fixture.start(extraYAML: Self.discovery)
        defer { Task { await fixture.stop() } }
        let online = try await SimwatchProcess.run(
            ["check", "--config", fixture.configPath, "--online"], in: fixture.folder.path, environment: fixture.environment)
        #expect(online.status == 0, "\(online.stdout)\(online.stderr)")
        #expect(online.stdout.contains("OK: Search Devices answers"))
        #expect(online.stdout.contains("Fleet: discovery on"))
        await fixture.simulator.injectFault(endpoint: .searchDevices, fault: .roleNotAllowed)
        let refused = try await SimwatchProcess.run(
            ["check", "--config", fixture.configPath, "--online"], in: fixture.folder.path, environment: fixture.environment)
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("role may not call Search Devices"), "\(refused.stdout)")
        #expect(refused.stdout.contains("OK: \(fixture.iccids[0])"), "usage polling still works")
        #expect(!(refused.stdout + refused.stderr).contains(Fixture.apiKey))
    }
}
