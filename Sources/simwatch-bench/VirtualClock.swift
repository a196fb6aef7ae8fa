import SimWatchCore
import Synchronization

/// Simulated time for one task: sleeping moves the clock to the deadline at once.
///
/// Correct only while a single task drives everything that sleeps on it (the benchmark's
/// cycle loop): nobody else can be woken in between, so jumping is the same as waiting.
final class VirtualClock: Sendable {
    let origin = ContinuousClock.now
    private let current: Mutex<ContinuousClock.Instant>

    init() {
        current = Mutex(origin)
    }

    var now: ContinuousClock.Instant { current.withLock { $0 } }
    var elapsed: Duration { now - origin }

    /// Moves the clock forward to `deadline`; an earlier one leaves it where it is.
    func jump(to deadline: ContinuousClock.Instant) {
        current.withLock { $0 = max($0, deadline) }
    }

    /// The clock to inject into the limiter and the rest.
    var clock: MonotonicClock {
        MonotonicClock(now: { self.now }, sleep: { deadline in
            try Task.checkCancellation()
            self.jump(to: deadline)
        })
    }
}
