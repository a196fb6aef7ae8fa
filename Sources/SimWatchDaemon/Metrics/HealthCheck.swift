import Foundation
import SimWatchCore

/// What `/healthz` answers: healthy, or why not in one line.
public enum HealthStatus: Sendable, Equatable {
    case healthy
    case unhealthy(reason: String)

    public var isHealthy: Bool { self == .healthy }
}

/// The facts `/healthz` decides on, and the decision as a pure function of the time.
///
/// The rule: healthy when a cycle succeeded within the last two poll intervals. Before
/// the first success, the daemon gets the same grace from its start, but only while no
/// cycle has failed: a first cycle that fails (credentials rejected, API unreachable)
/// is reported at once rather than two intervals later. After a success, one failed
/// cycle alone does not make it unhealthy; two intervals without a success do. Whatever
/// the cycles do, `failedSavesLimit` state saves failing in a row make it unhealthy: the
/// daemon still alerts, but a restart then would forget everything since the last save.
public struct HealthCheck: Sendable, Equatable {
    /// Failed saves in a row that make `/healthz` unhealthy; one or two may be a passing hiccup.
    public static let failedSavesLimit = 3

    public var startedAt: Date
    /// `poll.interval`; updated on reload.
    public var interval: Duration
    /// When the last successful cycle ended.
    public var lastSuccess: Date?
    /// Why the last cycle failed, when the last finished cycle failed.
    public var lastFailure: String?
    /// State saves that failed since the last one that succeeded.
    public var consecutiveFailedSaves: Int
    /// Why the last save failed, while saves are failing.
    public var lastSaveFailure: String?

    public init(
        startedAt: Date, interval: Duration, lastSuccess: Date? = nil, lastFailure: String? = nil,
        consecutiveFailedSaves: Int = 0, lastSaveFailure: String? = nil
    ) {
        self.startedAt = startedAt
        self.interval = interval
        self.lastSuccess = lastSuccess
        self.lastFailure = lastFailure
        self.consecutiveFailedSaves = consecutiveFailedSaves
        self.lastSaveFailure = lastSaveFailure
    }

    /// Notes a save's outcome: `failure` is why it failed, `nil` when it succeeded.
    public mutating func recordSave(failure: String?) {
        if let failure {
            consecutiveFailedSaves = consecutiveFailedSaves < Int.max ? consecutiveFailedSaves + 1 : .max
            lastSaveFailure = failure
        } else {
            consecutiveFailedSaves = 0
            lastSaveFailure = nil
        }
    }

    /// Two poll intervals: one cycle may be late or fail without alarming anyone.
    public var window: Duration { interval * 2 }

    /// The decision at `now`.
    public func evaluate(now: Date) -> HealthStatus {
        if consecutiveFailedSaves >= Self.failedSavesLimit {
            return .unhealthy(reason: "the state file could not be saved \(consecutiveFailedSaves) times in a row"
                + (lastSaveFailure.map { "; the last error: " + oneLine($0) } ?? ""))
        }
        let window = self.window.seconds
        if let lastSuccess {
            let age = now.timeIntervalSince(lastSuccess)
            if age <= window { return .healthy }
            return .unhealthy(reason: "no successful poll cycle for \(human(age)), more than two poll intervals "
                + "(\(HumanFormat.duration(interval)) each)" + failureSuffix)
        }
        if let lastFailure {
            return .unhealthy(reason: "no poll cycle has succeeded since the start; the last one failed: "
                + oneLine(lastFailure))
        }
        let running = now.timeIntervalSince(startedAt)
        if running <= window { return .healthy }
        return .unhealthy(reason: "no poll cycle has finished in the \(human(running)) since the start, "
            + "more than two poll intervals (\(HumanFormat.duration(interval)) each)")
    }

    private var failureSuffix: String {
        lastFailure.map { "; the last one failed: " + oneLine($0) } ?? ""
    }

    /// Whole seconds, clamped: a time from a damaged clock or file must not trap the conversion.
    private func human(_ interval: TimeInterval) -> String {
        let clamped = interval.isNaN ? 0 : min(max(0, interval.rounded(.down)), 9e18)
        return HumanFormat.seconds(Int64(clamped))
    }

    /// A reason goes on one response line, whatever it quotes.
    private func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
