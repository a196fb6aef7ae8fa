import Foundation
import Synchronization
import Testing
@testable import SimWatchControlCenter
@testable import SimWatchCore
@testable import SimWatchMonitor

/// A clock that moves only when told to, so pauses of seconds are tested in no time.
final class LimiterTestClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [(deadline: Instant, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .zero }

    /// How many sleeps are waiting for the clock to move.
    var sleeping: Int { state.withLock { $0.sleepers.count } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        await withCheckedContinuation { continuation in
            let due = state.withLock { state -> Bool in
                if deadline <= state.now { return true }
                state.sleepers.append((deadline, continuation))
                return false
            }
            if due { continuation.resume() }
        }
        try Task.checkCancellation()
    }

    /// Moves time forward and wakes every sleep that is due.
    func advance(by duration: Duration) {
        let due = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.map(\.continuation)
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for continuation in due { continuation.resume() }
    }

    /// Waits (on the real clock, briefly) until `count` sleeps are waiting.
    func waitForSleepers(_ count: Int = 1) async throws {
        for _ in 0..<2000 where sleeping < count {
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(sleeping >= count, "expected \(count) sleeping")
    }
}

/// Slots taken at once, and the most seen, across tasks.
private final class InFlightCount: Sendable {
    let state = Mutex((now: 0, most: 0))
}

@Suite struct AccountLimiterTests {
    @Test func spacesStartsByOneOverRate() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let limiter = AccountLimiter(rate: 20, concurrency: 5)
        var starts: [Duration] = []
        for _ in 0..<6 {
            try await limiter.acquire()
            starts.append(clock.now - start)
            limiter.release()
        }
        // Start n is scheduled n spacings after the first; a sleep never ends early.
        for (index, offset) in starts.enumerated() {
            #expect(offset >= .milliseconds(52) * index)
        }
    }

    @Test func spacesStartsOnAnInjectedClock() async throws {
        let clock = LimiterTestClock()
        let limiter = AccountLimiter(rate: 5, concurrency: 1, clock: clock)
        try await limiter.acquire()
        limiter.release()
        let second = Task { try await limiter.acquire() }
        try await clock.waitForSleepers()
        // 1/5 s plus the 5 % margin: 210 ms.
        clock.advance(by: .milliseconds(209))
        try await clock.waitForSleepers()
        clock.advance(by: .milliseconds(1))
        try await second.value
        #expect(clock.now.offset == .milliseconds(210))
    }

    @Test func aPauseHoldsEveryStartOnTheInjectedClock() async throws {
        let clock = LimiterTestClock()
        let limiter = AccountLimiter(rate: 1000, concurrency: 2, clock: clock)
        limiter.pause(for: .seconds(30))
        let waiting = Task { try await limiter.acquire() }
        try await clock.waitForSleepers()
        clock.advance(by: .seconds(29))
        try await clock.waitForSleepers()
        clock.advance(by: .seconds(1))
        try await waiting.value
        #expect(clock.now.offset == .seconds(30))
    }

    @Test func aNegativePauseIsNone() async throws {
        let clock = LimiterTestClock()
        let limiter = AccountLimiter(rate: 1000, concurrency: 1, clock: clock)
        limiter.pause(for: .seconds(-100))
        try await limiter.acquire()
        #expect(clock.now.offset == .zero)
    }

    @Test(arguments: [0, -1, Double.nan, -.nan, 1e-300, 1e300, .infinity, -.infinity, .leastNonzeroMagnitude, -0.0])
    func anyRateIsBoundedInsteadOfTrapping(rate: Double) async throws {
        let clock = LimiterTestClock()
        let limiter = AccountLimiter(rate: rate, concurrency: 1, clock: clock)
        try await limiter.acquire()
        limiter.release()
    }

    @Test(arguments: [0, -1, Int.min, Int.max])
    func anyConcurrencyIsBoundedInsteadOfTrapping(concurrency: Int) async throws {
        let limiter = AccountLimiter(rate: 1_000_000, concurrency: concurrency, clock: LimiterTestClock())
        try await limiter.acquire()
        limiter.release()
    }

    @Test func aSlowRateIsAtTheLowerBound() async throws {
        // 0.001 requests/s: the second start waits 1050 s, not forever and not a trap.
        let clock = LimiterTestClock()
        let limiter = AccountLimiter(rate: 1e-300, concurrency: 1, clock: clock)
        try await limiter.acquire()
        limiter.release()
        let second = Task { try await limiter.acquire() }
        try await clock.waitForSleepers()
        clock.advance(by: .seconds(1050))
        try await second.value
    }

    @Test func rateLimitPausesDoublePerLimitedAnswerInARowUpToTheMaximum() async {
        let limiter = AccountLimiter(rate: 1000, concurrency: 1, clock: LimiterTestClock())
        var pauses: [Duration] = []
        for _ in 0..<7 {
            pauses.append(limiter.rateLimited(retryAfter: nil, base: .seconds(1), maximum: .seconds(30)))
        }
        #expect(pauses == [1, 2, 4, 8, 16, 30, 30].map { .seconds($0) })
        limiter.notLimited()
        #expect(limiter.rateLimited(retryAfter: nil, base: .seconds(1), maximum: .seconds(30)) == .seconds(1))
    }

    @Test func aLongStreakNeverOverflows() async {
        let limiter = AccountLimiter(rate: 1000, concurrency: 1, clock: LimiterTestClock())
        for _ in 0..<200 {
            _ = limiter.rateLimited(retryAfter: nil, base: .seconds(1), maximum: .seconds(30))
        }
        #expect(limiter.rateLimited(retryAfter: nil, base: .seconds(1), maximum: .seconds(30)) == .seconds(30))
    }

    @Test func retryAfterIsHonouredUpToTheMaximum() async throws {
        let clock = LimiterTestClock()
        let limiter = AccountLimiter(rate: 1000, concurrency: 1, clock: clock)
        #expect(limiter.rateLimited(retryAfter: .seconds(3), base: .seconds(1), maximum: .seconds(30)) == .seconds(3))
        #expect(limiter.rateLimited(retryAfter: .seconds(300), base: .seconds(1), maximum: .seconds(30)) == .seconds(30))
        #expect(limiter.rateLimited(retryAfter: .seconds(-3), base: .seconds(1), maximum: .seconds(30)) == .zero)
        // The account waits the longest pause asked for.
        let waiting = Task { try await limiter.acquire() }
        try await clock.waitForSleepers()
        clock.advance(by: .seconds(30))
        try await waiting.value
    }

    /// Tasks contending for fewer slots than they are: each slot passes on, none is lost
    /// (a lost hand-over leaves a task waiting forever) and none is shared.
    @Test(arguments: [1, 3])
    func contendedSlotsAreHandedOnAndNeverShared(concurrency: Int) async throws {
        let limiter = AccountLimiter(rate: 1_000_000, concurrency: concurrency)
        let inFlight = InFlightCount()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<(concurrency * 2 + 1) {
                group.addTask {
                    for round in 0..<300 {
                        try await limiter.acquire()
                        inFlight.state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                        if round % 2 == 0 { await Task.yield() }
                        inFlight.state.withLock { $0.now -= 1 }
                        if limiter.release(answered: true) { await Task.yield() }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(inFlight.state.withLock { $0.most } == concurrency)
    }

    @Test func aCancelledWaiterThrowsAndTakesNoSlot() async throws {
        let limiter = AccountLimiter(rate: 1_000_000, concurrency: 1)
        try await limiter.acquire()
        let waiter = Task { try await limiter.acquire() }
        await Task.yield()
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        // The slot held all along is the only one: freed, the next caller takes it at once.
        #expect(limiter.release() == false)
        try await limiter.acquire()
        #expect(limiter.release() == false)
    }

    @Test func retryDelaysGrowAndStayWithinJitter() {
        let policy = RetryPolicy(attempts: 5, baseDelay: .seconds(1), maxDelay: .seconds(3), jitter: 0.2)
        for _ in 0..<50 {
            let first = policy.delay(after: 1)
            #expect(first >= .milliseconds(800) && first <= .milliseconds(1200))
            let second = policy.delay(after: 2)
            #expect(second >= .milliseconds(1600) && second <= .milliseconds(2400))
            #expect(policy.delay(after: 9) <= .milliseconds(3600))
        }
    }

    @Test func aBadJitterIsNoJitter() {
        for jitter in [Double.nan, .infinity, -1] {
            let policy = RetryPolicy(baseDelay: .seconds(1), jitter: jitter)
            #expect(policy.delay(after: 1) == .seconds(1))
        }
    }
}
