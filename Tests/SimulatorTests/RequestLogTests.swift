import Foundation
@testable import Simulator
import Testing

@Suite("Request log")
struct RequestLogTests {
    @Test func recordsTimingAndPeakConcurrencyUnderADelay() async throws {
        try await withSimulator(deviceCount: 4) { simulator, base in
            let iccids = await simulator.iccids
            await simulator.injectFault(iccid: nil, fault: .delay(.seconds(1)))
            // The four requests overlap unless the test process's pool leaves one of them
            // unstarted for the whole delay (other tests can hold it for seconds): a few tries.
            var overlapped = false
            for _ in 0..<3 where !overlapped {
                await simulator.resetLog()
                try await sendAll(iccids, base)
                let records = await simulator.requests()
                let latestStart = try #require(records.map(\.start).max())
                let earliestEnd = try #require(records.map(\.end).min())
                overlapped = latestStart < earliestEnd
            }
            #expect(overlapped, "all four were in the server at once: every start precedes every end")
            #expect(await simulator.inFlightPeak == 4)
            let records = await simulator.requests()
            #expect(records.count == 4)
            #expect(Set(records.compactMap(\.iccid)) == Set(iccids))
            for record in records {
                #expect(record.duration >= .seconds(1))
                #expect(record.endedAt >= record.startedAt)
                #expect(record.faults == ["delay"])
                #expect(record.method == "GET")
            }

            await simulator.resetLog()
            #expect(await simulator.requests().isEmpty)
            #expect(await simulator.inFlightPeak == 0)
        }
    }

    /// Sends one usage request per ICCID, all at once, and expects each answered 200.
    private func sendAll(_ iccids: [String], _ base: String) async throws {
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for iccid in iccids {
                group.addTask {
                    try await TestHTTP.send(
                        ControlCenterAPITests.usageURL(base, iccid), authorization: TestHTTP.demoAuth
                    ).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == [200, 200, 200, 200])
    }

    @Test func sequentialRequestsHaveAPeakOfOne() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            for _ in 0..<3 {
                _ = try await TestHTTP.send(ControlCenterAPITests.usageURL(base, iccid), authorization: TestHTTP.demoAuth)
            }
            _ = try await TestHTTP.send(base + "/nowhere")
            let records = await simulator.requests()
            #expect(records.map(\.status) == [200, 200, 200, 404])
            #expect(records.last?.iccid == nil)
            #expect(await simulator.inFlightPeak == 1)
        }
    }

    @Test func logIsBoundedByItsLimit() async throws {
        let simulator = ControlCenterSimulator(deviceCount: 1, clock: .manual(ManualClock()), requestLogLimit: 4)
        for _ in 0..<10 {
            _ = await simulator.serveAPI(method: "GET", path: "/x", authorization: nil)
        }
        #expect(await simulator.requests().count <= 4)
        #expect(await simulator.requests().count >= 2)
    }
}
