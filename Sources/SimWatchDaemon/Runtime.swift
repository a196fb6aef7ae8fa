import CurlHTTP
import Foundation
import Logging
import SimWatchAlerts
import SimWatchConfig
import SimWatchControlCenter
import SimWatchCore
import SimWatchMonitor

/// The composition root: every part of a running simwatch, built in one place (`make`)
/// that `run`, `once`, `demo` and the tests all use.
///
/// Only the code that assembles reads it: each service and lane is handed the parts it
/// needs (`MonitorService.services`), never the whole.
public struct Runtime: Sendable {
    public let engine: MonitorEngine
    public let client: ControlCenterClient
    public let delivery: OutboxDelivery
    public let http: any HTTPClient
    public let metrics: SimwatchMetrics
    public let logger: Logger
    /// Keeps the engine's silences in step with the silences file.
    public let silences: SilenceWatcher
    /// The monotonic clock every loop reads and sleeps on; a test clock in tests.
    public let clock: MonotonicClock

    /// Builds every part from a validated configuration.
    ///
    /// - Parameters:
    ///   - http: the HTTP client; a fresh `CurlHTTPClient` when `nil`.
    ///   - now: the wall clock, injectable for tests.
    ///   - clock: the monotonic clock, injectable for tests.
    public static func make(
        config: Config, logger: Logger, http: (any HTTPClient)? = nil,
        now: @escaping @Sendable () -> Date = { Date() }, clock: MonotonicClock = .continuous
    ) -> Runtime {
        let http = http ?? CurlHTTPClient()
        let metrics = SimwatchMetrics(pollInterval: config.poll.interval, now: now)
        metrics.describe(config)
        let engine = MonitorEngine(config: config, logger: logger, metrics: metrics, now: now, clock: clock)
        let counters = DeliveryCounters { webhook, result, events in
            metrics.recordDelivery(webhook: webhook, result: result, events: events)
        }
        return Runtime(
            engine: engine,
            client: ControlCenterClient(
                settings: config.controlCenter, http: http, logger: logger, onRateLimitPause: metrics.recordRateLimitPause,
                clock: clock),
            delivery: OutboxDelivery(outbox: engine, config: config, http: http, logger: logger, counters: counters, clock: clock),
            http: http,
            metrics: metrics,
            logger: logger,
            silences: SilenceWatcher(path: config.silencesPath, engine: engine, logger: logger, observer: metrics),
            clock: clock)
    }

    /// A client for new `control_center` settings, sharing this runtime's HTTP client.
    public func client(for settings: ControlCenterSettings) -> ControlCenterClient {
        ControlCenterClient(
            settings: settings, http: http, logger: logger, onRateLimitPause: metrics.recordRateLimitPause, clock: clock)
    }

    /// A poll cycle over this runtime's parts.
    public func cycle(
        client: ControlCenterClient? = nil, heartbeat: Heartbeat = .none, heartbeatEvery: Duration = .seconds(5),
        gate: StartGate? = nil, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }
    ) -> PollCycle {
        PollCycle(engine: engine, client: client ?? self.client, logger: logger, metrics: metrics,
                  heartbeat: heartbeat, heartbeatEvery: heartbeatEvery, gate: gate, clock: clock, progress: progress)
    }

    /// One change-feed pass over this runtime's parts.
    public func feedPass(client: ControlCenterClient? = nil, heartbeat: Heartbeat = .none, gate: StartGate? = nil) -> FeedPass {
        FeedPass(engine: engine, client: client ?? self.client, logger: logger, heartbeat: heartbeat, gate: gate, clock: clock)
    }

    /// Starts the engine (lock, load, first save) and seeds `/healthz` from the persisted health.
    public func start() async throws {
        // Before the engine starts: a state_reset it raises is judged against the silences too.
        await silences.check()
        try await engine.start()
        metrics.seedHealth(from: await engine.state.health)
    }

    /// Logs one line for a finished cycle.
    public func logCycle(_ report: CycleReport) {
        report.log(to: logger)
    }
}
