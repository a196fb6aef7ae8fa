import Synchronization
import SimWatchCore

/// Proof of life from a loop: when it last made progress, and (throttled) a beat for whoever
/// listens to each step.
///
/// `WatchdogPinger` reads `isFresh(within:)` to decide whether systemd's watchdog may be
/// pinged: a loop that waits for a slow request or a Retry-After pause is still fresh as
/// long as the wait is within the bound such a wait can legitimately take.
public final class Heartbeat: Sendable {
    private let beat: @Sendable () -> Void
    private let throttle: Throttle
    private let now: @Sendable () -> ContinuousClock.Instant
    private let progress: Mutex<ContinuousClock.Instant>

    /// - Parameters:
    ///   - minimumGap: beats closer together than this are dropped.
    ///   - now: the monotonic clock, injectable for tests.
    ///   - beat: what a beat does, if anything beyond recording progress.
    public init(
        minimumGap: Duration = .seconds(1), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        beat: @escaping @Sendable () -> Void = {}
    ) {
        self.throttle = Throttle(minimumGap: minimumGap, now: now)
        self.now = now
        self.beat = beat
        self.progress = Mutex(now())
    }

    /// A heartbeat that nobody watches.
    public static let none = Heartbeat(beat: {})

    /// Signals progress.
    public func tick() {
        let now = now()
        progress.withLock { $0 = now }
        if throttle.admit(at: now) { beat() }
    }

    /// When the loop last signalled progress (or the heartbeat was made).
    public var lastProgress: ContinuousClock.Instant { progress.withLock { $0 } }

    /// Whether the loop made progress within the last `limit`.
    public func isFresh(within limit: Duration) -> Bool {
        now() - lastProgress <= limit
    }

    /// Sleeps until `deadline`, beating at least every `every`; returns early when cancelled
    /// or when `gate` closes.
    public func sleep(until deadline: ContinuousClock.Instant, beatingEvery every: Duration, gate: StartGate? = nil) async {
        let clock = ContinuousClock()
        while clock.now < deadline, !Task.isCancelled, gate?.isOpen ?? true {
            let wake = min(deadline, clock.now + max(every, .milliseconds(1)))
            if let gate {
                await gate.sleep(until: wake)
            } else {
                try? await clock.sleep(until: wake)
            }
            tick()
        }
    }
}
