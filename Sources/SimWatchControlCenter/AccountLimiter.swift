import SimWatchCore
import Synchronization

/// Paces every request of one Control Center account: at most `rate` starts per second,
/// at most `concurrency` in flight, and a server-requested pause for everyone.
///
/// Starts are spaced `1/rate` apart, plus a 5 % margin, rather than allowed in bursts.
/// The margin is for the network: a request delayed on its way (a new connection, a
/// busy host) arrives closer to the next one, and Control Center counts arrivals.
/// So no one-second window at the server holds more than `rate` of them.
///
/// A start is granted only when the spacing has passed since the previous *actual*
/// start, checked after waking: a waiter woken late on a busy host pushes the next
/// start back instead of letting it catch up in a burst. Slots (concurrency) are
/// handed out in arrival order.
///
/// A wait shorter than `yieldBelow` (at rates of 20,000 a second and more, as `once`
/// and the benchmarks use) is spent yielding to other tasks and reading the clock again:
/// arming a timer costs more than the wait. Only on a clock that moves on its own.
///
/// The clock is a parameter so that tests can drive the limiter on a clock of their own.
///
/// A lock rather than an actor: a poll that finds a slot and its start time due (the usual
/// case at the limits `once` runs at) takes both without a task switch, and frees its slot
/// without one. Only a wait suspends.
public final class AccountLimiter<C: Clock>: Sendable where C.Duration == Duration {
    /// Spacing beyond `1/rate` that absorbs network jitter.
    static var margin: Double { 1.05 }
    /// The rates the limiter accepts; the configuration's own bounds are inside these.
    static var rates: ClosedRange<Double> { 0.001...1_000_000 }
    /// The most requests in flight it accepts.
    static var maxConcurrency: Int { 10_000 }
    /// Waits up to this long yield instead of sleeping.
    static var yieldBelow: Duration { .microseconds(50) }
    private let spacing: Duration
    /// Whether short waits yield: the clock is the system's.
    private let yieldsShortWaits: Bool
    private let concurrency: Int
    private let clock: C
    private let state: Mutex<State>

    private struct State {
        var nextStart: C.Instant
        var inFlight = 0
        var waiters: [(id: UInt64, continuation: UnsafeContinuation<Void, any Error>)] = []
        var nextWaiterID: UInt64 = 0
        /// Rate-limited answers in a row, for the account, since the last other answer.
        var limitedStreak = 0

        /// Takes a slot if fewer than `concurrency` are in flight.
        mutating func takeSlot(below concurrency: Int) -> Bool {
            guard inFlight < concurrency else { return false }
            inFlight += 1
            return true
        }
    }

    /// - Parameters:
    ///   - rate: requests started per second; clamped to `0.001...1_000_000` (nan: the slowest).
    ///   - concurrency: requests in flight at once; clamped to `1...10_000`.
    ///   - clock: the clock starts are timed on.
    public init(rate: Double, concurrency: Int, clock: C) {
        // The configuration bounds both already; this init must still never trap on them.
        let rate = rate.isNaN ? Self.rates.lowerBound : min(max(rate, Self.rates.lowerBound), Self.rates.upperBound)
        spacing = .nanoseconds(Int64((1_000_000_000 * Self.margin / rate).rounded(.up)))
        self.concurrency = min(max(concurrency, 1), Self.maxConcurrency)
        self.clock = clock
        yieldsShortWaits = clock is ContinuousClock || (clock as? MonotonicClock)?.movesOnItsOwn == true
        state = Mutex(State(nextStart: clock.now))
    }

    /// Waits for a free slot and the next start time; pair every success with `release()`.
    public func acquire() async throws {
        try await waitForPermit()
        do {
            // The start is taken under the lock when due, so two callers never share one;
            // a caller that finds it not yet due waits and checks again.
            while let due = takeStartIfDue() {
                if yieldsShortWaits, clock.now.duration(to: due) < Self.yieldBelow {
                    await Task.yield()
                    try Task.checkCancellation()
                } else {
                    try await clock.sleep(until: due, tolerance: nil)
                }
            }
        } catch {
            release()
            throw error
        }
    }

    /// Takes the next start when it is due (`nil`); else gives the instant it is due.
    private func takeStartIfDue() -> C.Instant? {
        let now = clock.now
        return state.withLock { state in
            guard now >= state.nextStart else { return state.nextStart }
            state.nextStart = now.advanced(by: spacing)
            return nil
        }
    }

    /// Frees the slot taken by `acquire()`; `answered` says a response came that was not
    /// rate limiting, which ends the streak (`notLimited()`) in the same call.
    /// Returns whether the slot went to a waiting request.
    @discardableResult
    public func release(answered: Bool = false) -> Bool {
        let next = state.withLock { state -> UnsafeContinuation<Void, any Error>? in
            if answered { state.limitedStreak = 0 }
            if state.waiters.isEmpty {
                state.inFlight -= 1
                return nil
            }
            // The slot passes straight to the next waiter, so inFlight stays the same.
            return state.waiters.removeFirst().continuation
        }
        // Resumed outside the lock, as every continuation here: resuming schedules the waiter,
        // and nothing that schedules tasks runs while the lock is held.
        next?.resume()
        return next != nil
    }

    /// Holds every new start back for `duration` (a `Retry-After`); a negative one is zero.
    public func pause(for duration: Duration) {
        let until = clock.now.advanced(by: max(duration, .zero))
        state.withLock { $0.nextStart = max($0.nextStart, until) }
    }

    /// Records a rate-limited answer and pauses the whole account; returns the pause.
    ///
    /// The pause is `retryAfter` when the server gave one, else `base` doubled for each
    /// limited answer in a row, up to `maximum`; `retryAfter` is held to `maximum` too.
    public func rateLimited(retryAfter: Duration?, base: Duration, maximum: Duration) -> Duration {
        let streak = state.withLock { state in
            state.limitedStreak = min(state.limitedStreak + 1, 64)
            return state.limitedStreak
        }
        let maximum = max(maximum, .zero)
        let pause: Duration
        if let retryAfter {
            pause = min(max(retryAfter, .zero), maximum)
        } else {
            // Doubling stops at the maximum long before the shift could overflow.
            var doubled = max(base, .zero)
            for _ in 1..<streak where doubled < maximum { doubled = doubled * 2 }
            pause = min(doubled, maximum)
        }
        self.pause(for: pause)
        return pause
    }

    /// An answer that was not rate limiting ends the streak, so the next pause is short again.
    public func notLimited() {
        state.withLock { $0.limitedStreak = 0 }
    }

    /// Runs `body` inside a slot.
    public func withSlot<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        do {
            let value = try await body()
            release()
            return value
        } catch {
            release()
            throw error
        }
    }

    private func waitForPermit() async throws {
        try Task.checkCancellation()
        let id: UInt64? = state.withLock { state in
            if state.takeSlot(below: concurrency) { return nil }
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                // Checked again, and queued, under one lock: a slot freed since the first
                // look is taken here, and a cancellation that came first found no waiter to fail.
                let granted: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.takeSlot(below: concurrency) { return .success(()) }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let granted { continuation.resume(with: granted) }
            }
        } onCancel: {
            cancelWaiter(id)
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        let waiter = state.withLock { state in
            state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0).continuation }
        }
        waiter?.resume(throwing: CancellationError())
    }
}

extension AccountLimiter where C == ContinuousClock {
    /// A limiter on the continuous clock, as the daemon runs it.
    public convenience init(rate: Double, concurrency: Int) {
        self.init(rate: rate, concurrency: concurrency, clock: ContinuousClock())
    }
}
