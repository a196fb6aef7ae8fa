import Foundation

/// The time that drives usage growth: elapsed time since the simulator was created.
///
/// Production uses `.continuous` (optionally sped up for demos); tests use a `ManualClock`
/// so that "an hour later" is an instruction, not a wait.
public struct UsageClock: Sendable {
    private let elapsedTime: @Sendable () -> Duration

    /// A clock that reports whatever `elapsed` returns; it must never go backwards.
    public init(elapsed: @escaping @Sendable () -> Duration) {
        self.elapsedTime = elapsed
    }

    /// Real time since this call, multiplied by `speed` (e.g. 3600: one hour of usage per second).
    public static func continuous(speed: Double = 1) -> UsageClock {
        let start = ContinuousClock.now
        guard speed != 1 else { return UsageClock { ContinuousClock.now - start } }
        return UsageClock {
            let real = ContinuousClock.now - start
            let seconds = Double(real.components.seconds) + Double(real.components.attoseconds) / 1e18
            return .seconds(seconds * speed)
        }
    }

    /// Time that moves only when the test says so.
    public static func manual(_ clock: ManualClock) -> UsageClock {
        UsageClock { clock.elapsed }
    }

    /// Time elapsed on this clock.
    public var elapsed: Duration { elapsedTime() }
}

/// A clock for tests: starts at zero and advances only through `advance(by:)`.
public final class ManualClock: Sendable {
    private let time = LockedValue<Duration>(.zero)

    public init() {}

    /// The total time advanced so far.
    public var elapsed: Duration { time.get() }

    /// Moves the clock forward; negative durations are ignored because time never runs back.
    public func advance(by duration: Duration) {
        guard duration > .zero else { return }
        time.withValue { $0 += duration }
    }
}

/// The wall-clock time the simulator stamps on modifications (Search Devices' `modifiedSince`).
///
/// Separate from `UsageClock`: a demo may grow usage 1,200 times faster than real time,
/// but the daemon compares modification times with its own wall clock.
public struct SimulatorDateClock: Sendable {
    private let current: @Sendable () -> Date

    /// A clock that reports whatever `now` returns.
    public init(now: @escaping @Sendable () -> Date) {
        self.current = now
    }

    /// The system's wall clock.
    public static let system = SimulatorDateClock { Date() }

    /// `origin` plus the time advanced on `clock`: dates that move only when a test says so.
    public static func manual(_ clock: ManualClock, origin: Date) -> SimulatorDateClock {
        SimulatorDateClock {
            let elapsed = clock.elapsed
            return origin.addingTimeInterval(
                Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            )
        }
    }

    /// The time now on this clock.
    public var now: Date { current() }
}
