import Foundation
import Synchronization
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchState

/// The digest service on the injected clock: at `digest.at`, once a day, and once after downtime.
@Suite struct InsightDigestServiceTests {
    /// A wall clock that moves with the stepping clock, from `start`.
    final class Wall: Sendable {
        let start: Date
        let clock: SteppingClock
        init(_ start: Date, _ clock: SteppingClock) { (self.start, self.clock) = (start, clock) }
        var now: Date { start.addingTimeInterval(clock.elapsed.seconds) }
    }

    static func runtime(_ folder: StateTestFolder, wall: Wall, logs: CapturedLogs) -> Runtime {
        var config = StateEngineStartTests.config(stateFile: folder.statePath)
        config.webhooks = []
        config.digest = DigestSettings(hour: 8, minute: 0, timeZone: .gmt)
        return Runtime.make(config: config, logger: logs.logger, http: ScriptedHTTPClient(), now: { wall.now },
                            clock: wall.clock.clock)
    }

    /// Moves the clock in 30 s steps, giving the service a moment of real time after each.
    static func step(_ clock: SteppingClock, hours: Int) async {
        for _ in 0..<(hours * 120) { _ = await clock.run(for: .seconds(30)) { false } }
    }

    static func digests(_ logs: CapturedLogs) -> Int {
        logs.records.filter { $0.message == "daily digest raised" }.count
    }

    @Test func atTheDueTimeOnceADayAndOnceAfterDowntime() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let logs = CapturedLogs()
        let clock = SteppingClock()
        let wall = Wall(InsightBillingCycleTests.utc("2026-12-16T07:59:00Z"), clock)
        let runtime = Self.runtime(folder, wall: wall, logs: logs)
        try await runtime.start()
        let service = DigestService(engine: runtime.engine, delivery: runtime.delivery, logger: logs.logger,
                                    clock: clock.clock, step: .seconds(30))
        let task = Task { await service.run() }
        #expect(await clock.waitForSleepers())
        #expect(Self.digests(logs) == 0, "a new state file has missed nothing")
        #expect(await clock.run(for: .seconds(120)) { Self.digests(logs) == 1 })
        #expect(await runtime.engine.lastDigestAt.map { $0 >= InsightBillingCycleTests.utc("2026-12-16T08:00:00Z") } == true)
        await Self.step(clock, hours: 2)
        #expect(Self.digests(logs) == 1, "one a day")
        task.cancel()
        _ = await task.value
        await runtime.engine.close()

        // Down for three days: at start one digest, not three.
        let later = SteppingClock()
        let restartLogs = CapturedLogs()
        let restarted = Self.runtime(folder, wall: Wall(InsightBillingCycleTests.utc("2026-12-19T09:00:00Z"), later), logs: restartLogs)
        try await restarted.start()
        let again = DigestService(engine: restarted.engine, delivery: restarted.delivery, logger: restartLogs.logger,
                                  clock: later.clock, step: .seconds(30))
        let second = Task { await again.run() }
        #expect(await later.run(for: .seconds(60)) { Self.digests(restartLogs) == 1 })
        await Self.step(later, hours: 1)
        #expect(Self.digests(restartLogs) == 1)
        second.cancel()
        _ = await second.value
    }
}
