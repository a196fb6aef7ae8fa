import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchState

/// Cycles, lanes, backoff and shutdown end to end in this process, on the test clock.
@Suite(.serialized) struct InProcessOutageTests {
    /// The binary test `webhookDownForThirtySecondsLosesNothingAndKeepsOrder`, exact and in milliseconds.
    @Test("a webhook down for 30 s loses nothing and keeps the order")
    func webhookDownForThirtySeconds() async throws {
        let folder = try TemporaryDirectory()
        let harness = try await InProcessHarness(devices: 5, stateFile: folder.file("state.json"))
        let config = await harness.config(interval: .seconds(1), groupWait: .seconds(1))
        harness.start(config)
        #expect(await harness.run(until: .seconds(10)) { harness.logs.records.contains { $0.message == "cycle finished" } })
        await harness.sink.failAll(status: 500)
        for iccid in await harness.simulator.iccids {
            _ = await harness.simulator.update(iccid) { $0.status = $0.status == "RETIRED" ? "ACTIVATED" : "RETIRED" }
        }
        let failing = harness.clock.elapsed
        let store = StateStore(path: folder.file("state.json"), logger: harness.logs.logger)
        #expect(await harness.run(until: .seconds(10)) { ((try? store.read())?.outbox.count ?? 0) >= 5 })
        let detected = try #require(try store.read()).outbox.map(\.event.id)
        #expect(await harness.run(until: .seconds(10)) {
            harness.logs.records.contains { $0.message == "alert delivery failed; will retry" }
        })
        await harness.run(for: failing + .seconds(30) - harness.clock.elapsed)
        let sent = await harness.sink.requests
        #expect(!sent.isEmpty && sent.allSatisfy { $0.status == 500 })
        // Backoff from 1 s doubling: at most 5 tries within 30 s, never a storm.
        #expect(sent.count <= 6)
        await harness.sink.recover()
        #expect(await harness.run(until: .seconds(60)) { await harness.delivered().count >= 5 })
        let delivered = await harness.delivered()
        #expect(delivered.map(\.kind) == Array(repeating: .statusChanged, count: 5))
        #expect(delivered.map(\.id) == detected, "nothing lost, in the order of detection")
        #expect(Set(delivered.compactMap(\.iccid)) == Set(config.devices.map(\.iccid)))
        try await harness.stop()
        let saved = try #require(try store.read())
        #expect(saved.outbox.isEmpty)
        #expect(harness.logs.records.contains { $0.message == "simwatch stopped; state saved" })
        let logged = harness.logs.records.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!logged.contains("CANARY-HOOK-TOKEN"), "the webhook URL's secret path never reaches a log line")
    }
}

/// DESIGN.md's shutdown rule in this process, on the test clock.
@Suite(.serialized) struct InProcessShutdownTests {
    @Test("shutdown: no poll starts after the signal; events raised before it go out without waiting for group_wait")
    func shutdownDrains() async throws {
        let folder = try TemporaryDirectory()
        let harness = try await InProcessHarness(devices: 3, stateFile: folder.file("state.json"))
        let config = await harness.config(interval: .seconds(60), groupWait: .seconds(600))
        harness.start(config)
        #expect(await harness.run(until: .seconds(120)) {
            harness.logs.records.filter { $0.message == "cycle finished" }.count >= 1
        })
        let iccid = await harness.simulator.iccids[0]
        _ = await harness.simulator.update(iccid) { $0.status = "RETIRED" }
        // The second cycle polls the changed device first, then waits 20 s per device.
        #expect(await harness.run(until: .seconds(120)) { (try? StateStore(path: harness.stateFile, logger: harness.logs.logger).read())?.outbox.count == 1 })
        #expect(await harness.delivered().isEmpty, "group_wait holds it back while running")
        let polls = await harness.simulator.requests().count
        try await harness.stop()
        #expect(await harness.simulator.requests().count == polls, "no poll started after the signal")
        let delivered = await harness.delivered()
        #expect(delivered.map(\.iccid) == [iccid])
        let saved = try #require(try StateStore(path: harness.stateFile, logger: harness.logs.logger).read())
        #expect(saved.outbox.isEmpty, "saved again after the deliveries")
    }
}
