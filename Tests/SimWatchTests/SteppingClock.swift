import Synchronization
@testable import SimWatchCore

/// A monotonic clock that moves only when a test says so; sleepers wake in deadline order.
///
/// `clock` is the `MonotonicClock` to inject. `advanceToNextDeadline()` lets a test step
/// through every timer the code under test sets (backoff, group_wait ticks, grace
/// periods) in milliseconds of real time.
final class SteppingClock: Sendable {
    private struct Sleeper {
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: ContinuousClock.Instant
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
        var cancelled: Set<UInt64> = []
    }

    private let state: Mutex<State>
    /// Where the clock started: offsets are measured from here.
    let origin: ContinuousClock.Instant

    init() {
        let start = ContinuousClock.now
        origin = start
        state = Mutex(State(now: start))
    }

    var now: ContinuousClock.Instant { state.withLock { $0.now } }
    /// Time since `origin`.
    var elapsed: Duration { now - origin }
    var sleeperCount: Int { state.withLock { $0.sleepers.count } }
    /// The earliest deadline anyone sleeps until.
    var nextDeadline: ContinuousClock.Instant? { state.withLock { $0.sleepers.values.map(\.deadline).min() } }

    var clock: MonotonicClock {
        MonotonicClock(now: { self.now }, sleep: { try await self.sleep(until: $0) })
    }

    func sleep(until deadline: ContinuousClock.Instant) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                guard let sleeper = state.sleepers.removeValue(forKey: id) else {
                    state.cancelled.insert(id)
                    return nil as Sleeper?
                }
                return sleeper
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock by `duration` and wakes every sleeper now due, earliest first.
    func advance(by duration: Duration) {
        let due = state.withLock { state in
            state.now += duration
            let now = state.now
            let due = state.sleepers.filter { $0.value.deadline <= now }.sorted { $0.value.deadline < $1.value.deadline }
            for (id, _) in due { state.sleepers[id] = nil }
            return due.map(\.value.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Moves the clock to the earliest deadline anyone sleeps until; false when nobody sleeps.
    @discardableResult
    func advanceToNextDeadline() -> Bool {
        let next = state.withLock { state in state.sleepers.values.map(\.deadline).min().map { $0 - state.now } }
        guard let next else { return false }
        advance(by: max(next, .zero))
        return true
    }

    /// Waits (in real time, briefly) until at least `count` tasks sleep on this clock.
    func waitForSleepers(_ count: Int = 1, within limit: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while sleeperCount < count {
            guard ContinuousClock.now < deadline else { return false }
            await Task.yield()
            try? await Task.sleep(for: .microseconds(200))
        }
        return true
    }

    /// Moves the clock deadline by deadline for at most `limit`, giving the tasks woken a
    /// moment of real time after each step, until `condition` holds; returns whether it does.
    func run(for limit: Duration, until condition: () -> Bool) async -> Bool {
        let end = elapsed + limit
        while !condition(), elapsed < end {
            try? await Task.sleep(for: .microseconds(300))
            guard let next = nextDeadline.map({ $0 - origin }), next <= end else {
                advance(by: end - elapsed)
                break
            }
            advance(by: max(next - elapsed, .zero))
        }
        for _ in 0..<20 where !condition() { try? await Task.sleep(for: .microseconds(300)) }
        return condition()
    }
}
