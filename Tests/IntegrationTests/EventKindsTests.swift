import Foundation
import Simulator
import Testing
@testable import SimWatchCore

@Suite(.serialized) struct EventKindsTests {
    /// Kinds with end-to-end tests of their own: `test` (test-alert), `device_discovered`
    /// (InProcessFleetTests), and the flapping pair, which needs minutes of flipping and as
    /// long without a change (NoiseInProcessTests, on the test clock).
    static let kindsTestedElsewhere: Set<EventKind> = [.test, .deviceDiscovered, .flapping, .flappingEnded]

    /// Drives the real binary through every kind of DESIGN.md's table.
    @Test func everyKindFromTheRealBinary() async throws {
        let fixture = try await Fixture.start(devices: 4)
        defer { Task { await fixture.stop() } }
        let (a, b, c, d) = (fixture.iccids[0], fixture.iccids[1], fixture.iccids[2], fixture.iccids[3])
        let sim = fixture.simulator
        _ = await sim.update(a) {
            $0.status = "ACTIVATED"; $0.imei = "351111111111111"; $0.overageLimitReached = false
            $0.overageLimitOverride = "DEFAULT"; $0.ratePlan = "iot-1GB"; $0.communicationPlan = "CP_Basic_ON"
        }
        _ = await sim.update(b) { $0.ctdDataUsage = 1_000 }
        _ = await sim.update(c) { $0.ctdDataUsage = 5_000_000; $0.ctdSMSUsage = 10 }
        #expect(try await fixture.once().status == 0)
        #expect(try await fixture.deliveredEvents().isEmpty)

        _ = await sim.update(a) {
            $0.status = "SUSPENDED_BY_OPS"; $0.imei = "352222222222222"; $0.overageLimitReached = true
            $0.overageLimitOverride = "TEMPORARY_OVERRIDE"; $0.ratePlan = "iot-10GB"; $0.communicationPlan = "CP_Roaming"
        }
        _ = await sim.update(b) { $0.ctdDataUsage = 60_000_000_000 }
        _ = await sim.update(c) { $0.ctdDataUsage = 1_000; $0.ctdSMSUsage = 0 }
        _ = await sim.removeDevice(d)
        #expect(try await fixture.once().status == 0)

        await sim.injectFault(fault: .invalidCredentials)
        #expect(try await fixture.once().status == 1)
        await sim.clearFaults()
        #expect(try await fixture.once().status == 0)
        try fixture.folder.write("state.json", "\u{0}garbage")
        #expect(try await fixture.once().status == 0)

        let events = try await fixture.deliveredEvents()
        let kinds = Set(events.map(\.kind))
        // `test` is test-alert's; the kinds of the fleet, insight and noise features need
        // their own configuration and have their own end-to-end tests (InProcessFleetTests).
        #expect(kinds == Set(EventKind.allCases).subtracting(Self.kindsTestedElsewhere))
        let byKind = Dictionary(grouping: events, by: \.kind)
        #expect(byKind[.statusChanged]?.first?.current == .string("SUSPENDED_BY_OPS"))
        #expect(byKind[.statusChanged]?.first?.severity == .warning)
        #expect(byKind[.overageLimitChanged]?.first?.current == .bool(true))
        #expect(byKind[.overageLimitChanged]?.first?.severity == .critical)
        #expect(byKind[.imeiChanged]?.first?.severity == .critical)
        #expect(byKind[.thresholdCrossed]?.first?.iccid == b)
        #expect(byKind[.thresholdCrossed]?.first?.threshold == 50_000_000_000)
        #expect(byKind[.cycleReset]?.first?.iccid == c)
        #expect(byKind[.cycleReset]?.first?.metric == .data)
        #expect(byKind[.deviceNotFound]?.first?.iccid == d)
        #expect(byKind[.pollFailed]?.count == 1)
        // Ids are unique: receivers may drop duplicates by id.
        #expect(Set(events.map(\.id)).count == events.count)
    }
}
