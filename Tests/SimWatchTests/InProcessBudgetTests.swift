import Foundation
import Simulator
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon

/// Budgeted polling end to end in this process (issue 10's acceptance), on the test clock:
/// 30 SIMs, 5 polls per cycle, 3 SIMs growing through a ladder of thresholds, for 40 minutes.
@Suite(.serialized) struct InProcessBudgetTests {
    static let interval = Duration.seconds(60)
    static let maxInterval = Duration.seconds(1_200)
    /// 0.1 requests/s × 60 s × 0.9: 5 polls per cycle for 30 SIMs.
    static let rateLimit = 0.1
    static let bytesPerSecond = 100_000.0
    static let startValue: Int64 = 400_000_000
    /// A threshold every 10 MB from 410 MB: 100 s apart at 100 kB/s, so a growing SIM always has one ahead.
    static let levels: [Int64] = (1...36).map { startValue + Int64($0) * 10_000_000 }

    @Test("more SIMs than the budget: growing SIMs polled several times as often, crossings within two cycles, every SIM within max_interval, never above the rate limit")
    func budgetedPolling() async throws {
        let folder = try TemporaryDirectory()
        let harness = try await InProcessHarness(devices: 30, stateFile: folder.file("state.json"), usageFollowsClock: true)
        let iccids = await harness.simulator.iccids
        let growing = Set(iccids.suffix(3))
        for iccid in iccids {
            _ = await harness.simulator.update(iccid) { device in
                device.ctdDataUsage = growing.contains(iccid) ? Self.startValue : 1_000_000
                device.growth = growing.contains(iccid)
                    ? UsageGrowth(dataBytesPerHour: Self.bytesPerSecond * 3600, smsPerHour: 0, voiceSecondsPerHour: 0, sessionsPerHour: 0)
                    : .none
            }
        }
        var config = await harness.config(interval: Self.interval, groupWait: .seconds(1))
        config.controlCenter.rateLimit = Self.rateLimit
        config.poll = PollSettings(interval: Self.interval, maxInterval: Self.maxInterval)
        config.thresholds = Self.levels.map { Threshold(metric: .data, level: .absolute($0)) }
        harness.start(config)
        // The daemon starts in real time: the hour begins with its first request.
        #expect(await harness.run(until: .seconds(60), step: .milliseconds(100)) { !harness.http.starts.isEmpty })
        let origin = harness.clock.now
        await harness.run(for: .seconds(2_400))
        let end = harness.clock.now
        let delivered = await harness.delivered()
        try await harness.stop()

        let polls = harness.http.starts.filter { $0.url.hasSuffix("/ctdUsages") && $0.at <= end }
        var times: [String: [ContinuousClock.Instant]] = [:]
        for poll in polls {
            let iccid = poll.url.split(separator: "/").dropLast().last.map(String.init) ?? ""
            times[iccid, default: []].append(poll.at)
        }
        // Settled after the first sweep (6 cycles) and the second polls (a quarter of max_interval later),
        // within 15 minutes: from then on growing SIMs are polled every cycle or so.
        let settled = origin + .seconds(900)
        func pollsAfterSettling(_ iccid: String) -> Int { times[iccid, default: []].filter { $0 >= settled }.count }
        let idle = iccids.filter { !growing.contains($0) }
        let idleMean = Double(idle.map(pollsAfterSettling).reduce(0, +)) / Double(idle.count)
        for iccid in growing {
            #expect(Double(pollsAfterSettling(iccid)) >= 4 * idleMean, "\(iccid): \(pollsAfterSettling(iccid)) polls, idle mean \(idleMean)")
        }
        for iccid in iccids {
            let marks = [origin] + times[iccid, default: []] + [end]
            let longest = zip(marks, marks.dropFirst()).map { $1 - $0 }.max() ?? .zero
            #expect(longest <= Self.maxInterval, "\(iccid) went \(longest) without a poll")
        }
        // Every request (one endpoint here), on the test clock: never two within 1/rate_limit.
        let starts = harness.http.starts.filter { $0.url.contains("/rws/api/") }.map(\.at).sorted()
        let closest = zip(starts, starts.dropFirst()).map { $1 - $0 }.min() ?? .seconds(3600)
        #expect(closest >= .seconds(10), "two requests \(closest) apart: more than rate_limit in a second")
        // Crossings after the rates settled (90 MB in: 15 minutes): reported within two cycles of the moment the
        // counter reached them, which the value reported tells at the known growth.
        let crossings = delivered.filter { $0.kind == .thresholdCrossed && growing.contains($0.iccid ?? "") }
        let late = crossings.filter { ($0.threshold ?? 0) >= Self.startValue + 90_000_000 }.compactMap { event -> Double? in
            guard let value = event.value, let level = event.threshold else { return nil }
            let delay = Double(value - level) / Self.bytesPerSecond
            return delay > 2 * Self.interval.seconds ? delay : nil
        }
        // 40 minutes at 100 kB/s: 240 MB, 24 rungs of the ladder each.
        #expect(crossings.count >= 3 * 20, "every growing SIM crossed most of its ladder: \(crossings.count)")
        #expect(late.isEmpty, "crossings reported later than two cycles: \(late)")
        let cycles = harness.logs.records.filter { $0.message == "cycle finished" }
        #expect(!cycles.isEmpty && cycles.allSatisfy { $0.metadata["scheduled"] == "5" && $0.metadata["deferred"] == "25" })
    }
}
