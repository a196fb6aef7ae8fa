import Foundation
import Synchronization
import Testing
@testable import SimWatchDaemon
@testable import SimWatchMonitor
@testable import SimWatchState

/// A monotonic time that only moves when a test moves it.
private final class FakeTime: Sendable {
    private let base = ContinuousClock.now
    private let offset = Mutex<Duration>(.zero)

    func now() -> ContinuousClock.Instant { base + offset.withLock { $0 } }
    func advance(_ by: Duration) { offset.withLock { $0 += by } }
}

@Suite struct WatchdogPingerTests {
    /// Runs the pinger for `periods` periods of fake time, moving time and calling `step` at each.
    private func run(
        _ pinger: WatchdogPinger, time: FakeTime, periods: Int, step: @escaping @Sendable (Int) -> Void = { _ in }
    ) async {
        let count = Mutex(0)
        let task = Task {
            await pinger.run { period in
                let done = count.withLock { value -> Int in value += 1; return value }
                time.advance(period)
                step(done)
                if done >= periods { withUnsafeCurrentTask { $0?.cancel() } }
            }
        }
        await task.value
    }

    @Test func pingsAtAQuarterOfTheWatchdogWhileTheLoopIsWaitingOnASlowRequest() async {
        let time = FakeTime()
        let poll = Heartbeat(now: time.now)
        let pings = Mutex<[Duration]>([])
        let start = time.now()
        // WatchdogSec=2s; the poll loop last ticked at the start and then waits 20 s on one
        // request: well inside the stall limit, so every period pings.
        let pinger = WatchdogPinger(
            watchdog: .seconds(2), watched: [.init(name: "poll", heartbeat: poll, stallLimit: .seconds(60))],
            ping: { pings.withLock { $0.append(time.now() - start) } })
        #expect(pinger.every == .milliseconds(500))
        await run(pinger, time: time, periods: 40)
        let times = pings.withLock { $0 }
        #expect(times.count == 40)
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        #expect(gaps.allSatisfy { $0 <= .seconds(1) }, "gaps \(gaps)")
    }

    @Test func stopsPingingWhenALoopIsSilentLongerThanItsLimitAndSaysSoOnce() async {
        let time = FakeTime()
        let poll = Heartbeat(now: time.now)
        let checkpoint = Heartbeat(now: time.now)
        let pings = Mutex(0)
        let stalls = Mutex<[String]>([])
        let pinger = WatchdogPinger(
            watchdog: .seconds(4),
            watched: [.init(name: "poll", heartbeat: poll, stallLimit: .seconds(10)),
                      .init(name: "checkpoint", heartbeat: checkpoint, stallLimit: .seconds(100))],
            ping: { pings.withLock { $0 += 1 } }, stalled: { name in stalls.withLock { $0.append(name) } })
        // 1 s periods; the checkpoint loop keeps ticking, the poll loop never does.
        await run(pinger, time: time, periods: 30) { _ in checkpoint.tick() }
        // Pings for the first 10 s only (at 0 s … 10 s), then one stall report.
        #expect(pings.withLock { $0 } == 11)
        #expect(stalls.withLock { $0 } == ["poll"])
    }

    @Test func aLoopThatRecoversIsPingedForAgain() async {
        let time = FakeTime()
        let poll = Heartbeat(now: time.now)
        let pings = Mutex(0)
        let pinger = WatchdogPinger(
            watchdog: .seconds(4), watched: [.init(name: "poll", heartbeat: poll, stallLimit: .seconds(5))],
            ping: { pings.withLock { $0 += 1 } })
        await run(pinger, time: time, periods: 20) { period in if period == 15 { poll.tick() } }
        // 0…5 s ping (6), 6…14 s silent, the tick at 15 s brings them back for 15…19 s (5).
        #expect(pings.withLock { $0 } == 11)
    }

    @Test(arguments: [Duration.zero, .seconds(-5), .seconds(Int64.max), .seconds(10)])
    func theStallLimitIsBoundedWhateverTheTimeout(timeout: Duration) {
        let limit = WatchdogPinger.pollStallLimit(timeout: timeout)
        #expect(limit >= .seconds(270))
        #expect(limit <= .seconds(3600 * 3 + 270))
    }

    @Test func warnsWhenThreeTimeoutsAndBackoffExceedHalfTheWatchdog() {
        #expect(WatchdogPinger.timeoutWarning(timeout: .seconds(10), watchdog: .seconds(120)) == nil)
        let warning = WatchdogPinger.timeoutWarning(timeout: .seconds(30), watchdog: .seconds(120))
        #expect(warning?.contains("control_center.timeout 30s") == true, "\(warning ?? "")")
        #expect(warning?.contains("WatchdogSec=2m") == true, "\(warning ?? "")")
        #expect(WatchdogPinger.timeoutWarning(timeout: .seconds(Int64.max), watchdog: .seconds(1)) != nil)
    }

    @Test func aTinyWatchdogStillHasAPositivePeriod() {
        let pinger = WatchdogPinger(watchdog: .microseconds(1), watched: [], ping: {})
        #expect(pinger.every == .milliseconds(1))
    }
}

@Suite struct HeartbeatTests {
    @Test func freshnessFollowsTheLastTick() {
        let time = FakeTime()
        let beats = Mutex(0)
        let heartbeat = Heartbeat(minimumGap: .seconds(1), now: time.now) { beats.withLock { $0 += 1 } }
        #expect(heartbeat.isFresh(within: .zero))
        time.advance(.seconds(30))
        #expect(!heartbeat.isFresh(within: .seconds(29)))
        #expect(heartbeat.isFresh(within: .seconds(30)))
        heartbeat.tick()
        heartbeat.tick()
        #expect(heartbeat.isFresh(within: .zero))
        // The beat itself stays throttled: two ticks in the same instant beat once.
        #expect(beats.withLock { $0 } == 1)
    }
}

@Suite struct StartGateTests {
    @Test func closingWakesASleeperAtOnce() async {
        let gate = StartGate()
        let clock = ContinuousClock()
        let started = clock.now
        async let slept: Void = gate.sleep(until: clock.now + .seconds(60))
        try? await Task.sleep(for: .milliseconds(50))
        #expect(gate.isOpen)
        gate.close()
        await slept
        #expect(!gate.isOpen)
        // Far less than the 60 s asked for, with room for a test run that keeps both cores busy.
        #expect(clock.now - started < .seconds(30))
    }

    @Test func waitingOnAClosedGateReturnsImmediately() async {
        let gate = StartGate()
        gate.close()
        await gate.waitUntilClosed()
        await gate.sleep(until: ContinuousClock.now + .seconds(60))
    }

    @Test func cancellationEndsTheWait() async {
        let gate = StartGate()
        let waiter = Task { await gate.waitUntilClosed() }
        waiter.cancel()
        await waiter.value
        let sleeper = Task { await gate.sleep(until: ContinuousClock.now + .seconds(60)) }
        try? await Task.sleep(for: .milliseconds(20))
        sleeper.cancel()
        await sleeper.value
        #expect(gate.isOpen)
    }

    @Test func aHeartbeatSleepEndsWhenTheGateCloses() async {
        let gate = StartGate()
        let heartbeat = Heartbeat()
        let clock = ContinuousClock()
        let started = clock.now
        async let slept: Void = heartbeat.sleep(until: clock.now + .seconds(60), beatingEvery: .seconds(30), gate: gate)
        try? await Task.sleep(for: .milliseconds(50))
        gate.close()
        await slept
        #expect(clock.now - started < .seconds(30))
    }
}

@Suite struct HealthSeedTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func metrics() -> SimwatchMetrics {
        SimwatchMetrics(pollInterval: .seconds(300), now: { Self.now })
    }

    @Test func aLongAgoSuccessIsUnhealthyFromTheStart() {
        let metrics = metrics()
        metrics.seedHealth(from: Health(lastSuccessfulCycleAt: Self.now - 3600))
        #expect(!metrics.healthCheck.evaluate(now: Self.now).isHealthy)
    }

    @Test func failuresBeforeTheRestartAreUnhealthyAtOnce() {
        let metrics = metrics()
        metrics.seedHealth(from: Health(consecutiveFailedCycles: 4, pollFailedRaised: true))
        let status = metrics.healthCheck.evaluate(now: Self.now)
        guard case .unhealthy(let reason) = status else { Issue.record("healthy"); return }
        #expect(reason.contains("the last 4 poll cycles before the restart failed"), "\(reason)")
    }

    @Test func aRecentSuccessStaysHealthy() {
        let metrics = metrics()
        metrics.seedHealth(from: Health(consecutiveFailedCycles: 1, lastSuccessfulCycleAt: Self.now - 60))
        #expect(metrics.healthCheck.evaluate(now: Self.now).isHealthy)
    }

    @Test func aFreshStateGetsTheStartupGrace() {
        let metrics = metrics()
        metrics.seedHealth(from: Health())
        #expect(metrics.healthCheck.evaluate(now: Self.now + 599).isHealthy)
    }

    @Test(arguments: [1e300, -1e300, 4e12, -0.0])
    func aHostileSuccessDateNeitherTrapsNorHidesFailures(seconds: Double) {
        let metrics = metrics()
        metrics.seedHealth(from: Health(consecutiveFailedCycles: 3, lastSuccessfulCycleAt: Date(timeIntervalSince1970: seconds)))
        let check = metrics.healthCheck
        #expect(check.lastSuccess.map { $0 <= Self.now && $0.timeIntervalSince1970 >= 0 } == true)
        // Three intervals later without a success, whatever the file claimed.
        #expect(!check.evaluate(now: Self.now + 900).isHealthy)
    }
}
