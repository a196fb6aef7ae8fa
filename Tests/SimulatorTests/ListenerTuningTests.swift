import Foundation
@testable import Simulator
import Testing

@Suite("Listener tuning")
struct ListenerTuningTests {
    /// With Nagle on, each answer on a kept-alive connection waited 40 ms for the client's
    /// delayed ACK. Checked on the socket, not with a stopwatch: timing flakes on a busy machine.
    @Test func theListeningSocketHasNagleOff() async throws {
        try await withSimulator(deviceCount: 1) { simulator, _ in
            let port = try #require(await simulator.port)
            #if os(Linux)
            #expect(ListenerTuning.nagleDisabled(port: port) == true)
            #endif
        }
    }
}
