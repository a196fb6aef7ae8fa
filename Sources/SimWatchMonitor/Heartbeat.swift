import SimWatchCore
import Synchronization

/// Proof of life from a loop: when it last made progress, and (throttled) a beat for whoever
/// listens to each step.
///
/// `WatchdogPinger` reads `isFresh(within:)` to decide whether systemd's watchdog may be
/// pinged: a loop that waits for a slow request or a Retry-After pause is still fresh as
/// long as the wait is within the bound such a wait can legitimately take.
public final class Heartbeat: Sendable {
    private let beat: @Sendable () -> Void
    private let throttle: Throttle
    private let clock: MonotonicClock
    private let progress: Mutex<ContinuousClock.Instant>

    /// - Parameters:
    ///   - minimumGap: beats closer together than this are dropped.
    ///   - clock: the monotonic clock it reads and sleeps on, injectable for tests.
    ///   - beat: what a beat does, if anything beyond recording progress.
    public init(minimumGap: Duration = .seconds(1), clock: MonotonicClock = .continuous, beat: @escaping @Sendable () -> Void = {}) {
        self.throttle = Throttle(minimumGap: minimumGap, now: { clock.now })
        self.clock = clock
        self.beat = beat
        self.progress = Mutex(clock.now)
    }

    /// A heartbeat that reads `now` and sleeps on the system's clock, e.g. for a test that
    /// only moves the time it reads.
    public convenience init(
        minimumGap: Duration = .seconds(1), now: @escaping @Sendable () -> ContinuousClock.Instant,
        beat: @escaping @Sendable () -> Void = {}
    ) {
        self.init(minimumGap: minimumGap, clock: MonotonicClock(now: now, sleep: { try await MonotonicClock.continuous.sleep(until: $0) }), beat: beat)
    }

    /// A heartbeat that nobody watches.
    public static let none = Heartbeat(beat: {})

    /// Signals progress.
    public func tick() {
        let now = clock.now
        progress.withLock { $0 = now }
        if throttle.admit(at: now) { beat() }
    }

    /// When the loop last signalled progress (or the heartbeat was made).
    public var lastProgress: ContinuousClock.Instant { progress.withLock { $0 } }

    /// Whether the loop made progress within the last `limit`.
    public func isFresh(within limit: Duration) -> Bool {
        clock.now - lastProgress <= limit
    }

    /// Sleeps until `deadline`, beating at least every `every`; returns early when cancelled
    /// or when `gate` closes.
    public func sleep(until deadline: ContinuousClock.Instant, beatingEvery every: Duration, gate: StartGate? = nil) async {
        while clock.now < deadline, !Task.isCancelled, gate?.isOpen ?? true {
            let wake = min(deadline, clock.now + max(every, .milliseconds(1)))
            if let gate {
                await gate.sleep(until: wake, clock: clock)
            } else {
                try? await clock.sleep(until: wake)
            }
            tick()
        }
    }
}
