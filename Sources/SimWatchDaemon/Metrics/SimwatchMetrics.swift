import Foundation
import Prometheus
import SimWatchAlerts
import SimWatchConfig
import SimWatchControlCenter
import SimWatchCore
import SimWatchState
import Synchronization

/// The daemon's Prometheus metrics: the one place that names their families.
///
/// Each instance owns its series in `registry` (no global `MetricsSystem` bootstrap),
/// so tests can create as many isolated instances as they like. All methods are cheap
/// and thread-safe; call them from any actor.
public final class SimwatchMetrics: EngineObserver {
    /// How one device's poll ended, as the `result` label of `simwatch_polls_total`.
    public enum PollResult: String, Sendable, CaseIterable {
        case ok
        case notFound = "not_found"
        case error
        case invalidCredentials = "invalid_credentials"

        /// The result for a Control Center error.
        public init(_ error: ControlCenterError) {
            switch error {
            case .deviceNotFound: self = .notFound
            case .invalidCredentials: self = .invalidCredentials
            default: self = .error
            }
        }
    }

    public let registry: PrometheusCollectorRegistry
    private let now: @Sendable () -> Date
    private let health: Mutex<HealthCheck>
    let families: Families

    /// - Parameters:
    ///   - registry: where the series live; `/metrics` emits all of it.
    ///   - pollInterval: `poll.interval`, for `/healthz`; see `setPollInterval(_:)`.
    ///   - now: the wall clock, injectable for tests.
    public init(
        registry: PrometheusCollectorRegistry = .init(), pollInterval: Duration = PollSettings().interval,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.registry = registry
        self.now = now
        self.health = Mutex(HealthCheck(startedAt: now(), interval: pollInterval))
        self.families = Families(registry: registry)
        families.buildInfo(version: SimWatchVersion.current).set(to: 1.0)
    }

    // MARK: Polling

    /// One device's poll (call after each, whatever its result).
    public func recordPoll(result: PollResult, duration: Duration) {
        families.polls(result).increment()
        families.pollDuration.record(duration)
    }

    /// A whole cycle ended (not when it was cut short by shutdown); feeds `/healthz` too.
    ///
    /// - Parameter failure: why it failed, for `/healthz`'s reason; ignored when it succeeded.
    public func recordCycle(succeeded: Bool, duration: Duration, devices: Int, failure: String? = nil) {
        families.cycles(succeeded: succeeded).increment()
        families.cycleDuration.set(duration.seconds)
        families.devices.set(Double(devices))
        let end = now()
        health.withLock { state in
            if succeeded {
                state.lastSuccess = end
                state.lastFailure = nil
            } else {
                state.lastFailure = failure ?? "poll cycle failed"
            }
        }
        if succeeded { families.lastSuccess.set(end.timeIntervalSince1970) }
    }

    /// A cycle's report, as `recordCycle(succeeded:duration:devices:failure:)`.
    public func recordCycle(_ report: CycleReport) {
        recordCycle(succeeded: report.succeeded, duration: report.duration, devices: report.devices,
                    failure: report.failure)
    }

    /// Control Center rate limiting paused the account (for `pause`, which is not recorded).
    public func recordRateLimitPause(_ pause: Duration) {
        families.rateLimitPauses.increment()
    }

    /// The number of configured devices, e.g. at start and after a reload.
    public func setDevices(_ count: Int) {
        families.devices.set(Double(count))
    }

    /// `poll.interval`, e.g. after a reload: `/healthz` allows two of them.
    public func setPollInterval(_ interval: Duration) {
        health.withLock { $0.interval = interval }
    }

    /// Starts `/healthz` from the health the state file kept, so a restart does not look
    /// healthy by itself: the last success counts, and cycles that kept failing before the
    /// restart make it unhealthy at once. A success stamped in the future (a clock stepped
    /// back, or a hostile file) counts as now, so it cannot hide failures that follow; one
    /// before 1970 counts as 1970, so the age stays a number `/healthz` can print.
    public func seedHealth(from persisted: Health) {
        let start = now()
        let lastSuccess = persisted.lastSuccessfulCycleAt.map { success -> Date in
            let seconds = success.timeIntervalSince1970
            guard seconds.isFinite else { return Date(timeIntervalSince1970: 0) }
            return Date(timeIntervalSince1970: min(max(seconds, 0), start.timeIntervalSince1970))
        }
        health.withLock { state in
            state.lastSuccess = lastSuccess
            let failures = persisted.consecutiveFailedCycles
            if failures > 0 {
                state.lastFailure = failures == 1
                    ? "the last poll cycle before the restart failed"
                    : "the last \(failures) poll cycles before the restart failed"
            }
        }
        if let lastSuccess { families.lastSuccess.set(lastSuccess.timeIntervalSince1970) }
    }

    // MARK: Events and delivery

    /// Events just raised (logged and put in the outbox).
    public func recordEvents(_ events: [Event]) {
        for event in events { families.events(event.kind).increment() }
    }

    /// An event a silence or maintenance window kept from being sent.
    public func recordSilenced(_ event: Event) {
        families.silencedEvents(event.kind).increment()
    }

    /// Silences in force now.
    public func setActiveSilences(_ count: Int) {
        families.activeSilences.set(Double(max(0, count)))
    }

    /// One delivery step for a webhook (by its name, never its URL): a request's answer, or events dead-lettered.
    ///
    /// `simwatch_deliveries_total` counts the calls; `simwatch_delivery_events_total`
    /// counts the `events` they carried.
    public func recordDelivery(webhook: String, result: DeliveryResult, events: Int) {
        families.deliveries(webhook: webhook, result).increment()
        families.deliveryEvents(webhook: webhook, result).increment(by: Int64(max(0, events)))
    }

    /// Creates the delivery series of these webhooks at zero, so rates work from the start.
    public func setWebhooks(_ names: [String]) {
        for name in names {
            for result in DeliveryResult.allCases {
                _ = families.deliveries(webhook: name, result)
                _ = families.deliveryEvents(webhook: name, result)
            }
            _ = families.queued(webhook: name)
        }
    }

    /// Events waiting for each webhook; a webhook missing from `counts` has none.
    public func setQueued(_ counts: [String: Int], webhooks: [String]) {
        for name in webhooks {
            families.queued(webhook: name).set(Double(counts[name] ?? 0))
        }
    }

    /// The number of events waiting in the outbox.
    public func setOutboxSize(_ count: Int) {
        families.outbox.set(Double(count))
    }

    // MARK: State

    /// A state file save ended; failures in a row feed `/healthz` too.
    ///
    /// - Parameter failure: why it failed, for `/healthz`'s reason; ignored when it succeeded.
    public func recordStateSave(duration: Duration, succeeded: Bool, failure: String? = nil) {
        families.stateSaveDuration.set(duration.seconds)
        families.stateSaves(succeeded: succeeded).increment()
        health.withLock { $0.recordSave(failure: succeeded ? nil : failure ?? "state save failed") }
    }

    // MARK: Output

    /// The Prometheus text exposition (format 0.0.4) of every series.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        registry.emit(into: &buffer)
        return buffer
    }

    /// The facts `/healthz` decides on.
    public var healthCheck: HealthCheck { health.withLock { $0 } }

    /// `/healthz`'s answer now.
    public func currentHealth() -> HealthStatus { healthCheck.evaluate(now: now()) }
}
