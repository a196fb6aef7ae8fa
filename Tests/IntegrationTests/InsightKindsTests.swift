import Foundation
import Simulator
import Testing
@testable import SimWatchCore

@Suite(.serialized) struct InsightKindsTests {
    /// The billing cycle start day that puts today at least two weeks into the cycle, so that
    /// a SIM at 99 % of its plan is on pace to pass it and one at 1 % is not, any day.
    static func cycleStartDay() -> Int {
        Calendar(identifier: .gregorian).component(.day, from: Date()) >= 15 ? 1 : 15
    }

    /// overage_projected, usage_spike and digest from the real binary, each once.
    @Test func insightKindsFromTheRealBinary() async throws {
        let fixture = try await Fixture.start(devices: 3, extraYAML: """
            billing: { cycle_start_day: \(Self.cycleStartDay()) }
            digest: { at: "08:00", webhooks: [ops] }
            """, insight: true)
        defer { Task { await fixture.stop() } }
        let (hot, spiky, quiet) = (fixture.iccids[0], fixture.iccids[1], fixture.iccids[2])
        let sim = fixture.simulator
        _ = await sim.update(hot) { $0.status = "ACTIVATED"; $0.ratePlan = "iot-1GB"; $0.ctdDataUsage = 990_000_000 }
        _ = await sim.update(spiky) { $0.status = "ACTIVATED"; $0.ratePlan = "iot-10GB"; $0.ctdDataUsage = 0 }
        _ = await sim.update(quiet) { $0.status = "ACTIVATED"; $0.ratePlan = "iot-10GB"; $0.ctdDataUsage = 1_000 }
        // Four polls at a steady 1 MB each, then 1 GB: the baseline has three rates.
        for step in 0..<5 {
            _ = await sim.update(spiky) { $0.ctdDataUsage = step < 4 ? Int64(step) * 1_000_000 : 1_003_000_000 }
            _ = await sim.update(quiet) { $0.ctdDataUsage += 1_000 }
            #expect(try await fixture.once().status == 0)
        }
        let digest = try await SimwatchProcess.run(["digest", "--config", fixture.configPath], in: fixture.folder.path,
                                                   environment: fixture.environment)
        #expect(digest.status == 0, "\(digest.stderr)")
        let printed = try await SimwatchProcess.run(["digest", "--config", fixture.configPath, "--print"], in: fixture.folder.path,
                                                    environment: fixture.environment)
        #expect(printed.stdout.contains("Projected overages: 1"))
        #expect(printed.stdout.contains("unit-1 (\(hot)): data on pace for"))

        let events = try await fixture.deliveredEvents()
        let byKind = Dictionary(grouping: events, by: \.kind)
        #expect(byKind[.overageProjected]?.map(\.iccid) == [hot])
        #expect(byKind[.overageProjected]?.first?.limit == 1_000_000_000)
        #expect(byKind[.usageSpike]?.map(\.iccid) == [spiky])
        #expect((byKind[.usageSpike]?.first?.factor ?? 0) >= 10)
        let sent = try #require(byKind[.digest]?.first)
        #expect(byKind[.digest]?.count == 1)
        #expect(sent.iccid == nil && sent.digest?.devices == 3 && sent.digest?.cycles == 5)
        #expect(sent.digest?.projectedOverages.map(\.iccid) == [hot])
        #expect(events.allSatisfy { $0.iccid != quiet })
    }
}
