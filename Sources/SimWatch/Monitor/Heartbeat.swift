import Synchronization

/// Proof of life from the poll loop, passed on (throttled) to whoever watches it: systemd's watchdog.
public final class Heartbeat: Sendable {
    private let beat: @Sendable () -> Void
    private let minimumGap: Duration
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    /// - Parameters:
    ///   - minimumGap: beats closer together than this are dropped.
    ///   - beat: what a beat does, e.g. send `WATCHDOG=1`.
    public init(minimumGap: Duration = .seconds(1), beat: @escaping @Sendable () -> Void) {
        self.minimumGap = minimumGap
        self.beat = beat
    }

    /// A heartbeat that does nothing.
    public static let none = Heartbeat(beat: {})

    /// Signals progress.
    public func tick() {
        let now = ContinuousClock.now
        let due = last.withLock { last in
            guard last.map({ now - $0 >= minimumGap }) ?? true else { return false }
            last = now
            return true
        }
        if due { beat() }
    }

    /// Sleeps until `deadline`, beating at least every `every`; returns early when cancelled.
    public func sleep(until deadline: ContinuousClock.Instant, beatingEvery every: Duration) async {
        let clock = ContinuousClock()
        while clock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: min(deadline - clock.now, every))
            tick()
        }
    }
}
