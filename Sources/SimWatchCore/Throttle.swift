import Synchronization

/// Lets an action through at most once per `minimumGap` (watchdog beats, progress redraws).
public final class Throttle: Sendable {
    private let minimumGap: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    /// - Parameters:
    ///   - minimumGap: admissions closer together than this are refused.
    ///   - now: the monotonic clock, injectable for tests.
    public init(minimumGap: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.minimumGap = minimumGap
        self.now = now
    }

    /// Whether the action may run now; if so, the gap starts again from now.
    public func admit() -> Bool {
        admit(at: now())
    }

    /// `admit()` at an instant the caller already read.
    public func admit(at instant: ContinuousClock.Instant) -> Bool {
        last.withLock { last in
            if let previous = last, instant - previous < minimumGap { return false }
            last = instant
            return true
        }
    }
}
