/// The monotonic clock the daemon's loops read and sleep on: `ContinuousClock` in
/// production, a clock tests move by hand elsewhere.
///
/// One concrete type rather than a generic parameter, so that the engine, lanes, cycles
/// and services take it without each becoming generic; its instants are
/// `ContinuousClock.Instant`, so stored deadlines keep their type.
public struct MonotonicClock: Clock, Sendable {
    public typealias Instant = ContinuousClock.Instant

    private let read: @Sendable () -> Instant
    private let wait: @Sendable (Instant) async throws -> Void

    /// - Parameters:
    ///   - now: the current instant.
    ///   - sleep: returns at or after the instant, or throws `CancellationError` when cancelled.
    public init(now: @escaping @Sendable () -> Instant, sleep: @escaping @Sendable (Instant) async throws -> Void) {
        self.read = now
        self.wait = sleep
    }

    /// The system's continuous clock.
    public static let continuous = MonotonicClock(
        now: { ContinuousClock.now },
        sleep: { deadline in try await ContinuousClock().sleep(until: deadline, tolerance: nil) })

    public var now: Instant { read() }

    public var minimumResolution: Duration { .nanoseconds(1) }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await wait(deadline)
    }
}
