import Foundation
@testable import Simulator
import Testing

@Suite("Listener tuning")
struct ListenerTuningTests {
    @Test func theListeningSocketHasNagleOff() async throws {
        try await withSimulator(deviceCount: 1) { simulator, _ in
            let port = try #require(await simulator.port)
            #if os(Linux)
            #expect(ListenerTuning.nagleDisabled(port: port) == true)
            #endif
        }
    }

    /// With Nagle on, each answer on a kept-alive connection waited 40 ms for the client's delayed ACK.
    @Test func answersOnAKeptAliveConnectionAreNotHeldBack() async throws {
        try await withSimulator(deviceCount: 1) { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            let url = ControlCenterAPITests.usageURL(base, iccid)
            _ = try await TestHTTP.send(url, authorization: TestHTTP.demoAuth)
            let start = ContinuousClock.now
            for _ in 0..<60 { _ = try await TestHTTP.send(url, authorization: TestHTTP.demoAuth) }
            // 60 × 40 ms would be 2.4 s; a debug build on a busy machine answers in a few ms each.
            #expect(ContinuousClock.now - start < .seconds(2))
        }
    }
}
