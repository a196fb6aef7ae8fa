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
    /// Time passes on this clock whether or not anyone sleeps on it (the system's clock,
    /// not a test clock moved by hand), so a wait of microseconds may be spent yielding
    /// and reading the clock again instead of arming a timer.
    public let movesOnItsOwn: Bool

    /// - Parameters:
    ///   - now: the current instant.
    ///   - sleep: returns at or after the instant, or throws `CancellationError` when cancelled.
    public init(now: @escaping @Sendable () -> Instant, sleep: @escaping @Sendable (Instant) async throws -> Void) {
        self.init(now: now, sleep: sleep, movesOnItsOwn: false)
    }

    private init(
        now: @escaping @Sendable () -> Instant, sleep: @escaping @Sendable (Instant) async throws -> Void, movesOnItsOwn: Bool
    ) {
        self.read = now
        self.wait = sleep
        self.movesOnItsOwn = movesOnItsOwn
    }

    /// The system's continuous clock.
    public static let continuous = MonotonicClock(
        now: { ContinuousClock.now },
        sleep: { deadline in try await ContinuousClock().sleep(until: deadline, tolerance: nil) },
        movesOnItsOwn: true)

    public var now: Instant { read() }

    public var minimumResolution: Duration { .nanoseconds(1) }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await wait(deadline)
    }
}
