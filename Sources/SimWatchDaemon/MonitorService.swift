import Foundation
import Logging
import ServiceLifecycle
import SimWatchConfig
import SimWatchControlCenter
import SimWatchCore
import SimWatchMonitor
import Synchronization
import UnixSignals

/// `simwatch run`: polls every `poll.interval`, delivers alerts, reloads on SIGHUP,
/// and talks to systemd.
///
/// It starts the engine (lock, load, first save) and then runs one `Service` per loop in
/// a `ServiceGroup` (`services(hangups:)`). Graceful shutdown (SIGTERM, SIGINT) stops
/// them in the reverse order of that list, each finishing before the next is asked,
/// which is DESIGN.md's shutdown rule: polling stops first (in-flight polls get
/// `pollGrace`), deliveries get `deliveryGrace` after a save (a POST in flight is
/// answered), the state is saved again, and the metrics server and watchdog pings go last.
public struct MonitorService: Service {
    package let runtime: Runtime
    package let notifier: SystemdNotifier?
    /// Reads and validates the configuration again (SIGHUP).
    let reloadConfig: @Sendable () throws -> Config
    /// How often the checkpoint service asks the save policy.
    package let tick: Duration
    /// How long polls in flight at shutdown may take before they are cancelled: 4 s, so
    /// that with the save after it the polling part stays within the 5 s DESIGN.md gives it.
    let pollGrace: Duration
    /// How long deliveries are tried at shutdown.
    let deliveryGrace: Duration
    /// Serves `/metrics` and `/healthz` when configured; stops after everything else.
    let metricsServer: MetricsServer?

    public init(
        runtime: Runtime, notifier: SystemdNotifier?, tick: Duration = .seconds(1),
        pollGrace: Duration = .seconds(4), deliveryGrace: Duration = .seconds(5), metricsServer: MetricsServer? = nil,
        reloadConfig: @escaping @Sendable () throws -> Config
    ) {
        self.runtime = runtime
        self.notifier = notifier
        self.tick = tick
        self.pollGrace = pollGrace
        self.deliveryGrace = deliveryGrace
        self.metricsServer = metricsServer
        self.reloadConfig = reloadConfig
    }

    public func run() async throws {
        try await runtime.start()
        // Trapped before READY (which the cycle service sends): SIGHUP's default action
        // ends the process, and systemd may send a reload as soon as it has seen READY=1.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let group = ServiceGroup(configuration: .init(services: await services(hangups: hangups), logger: runtime.logger))
        try await group.run()
    }

    /// The daemon's services, last to stop first: the group shuts them down in reverse.
    package func services(hangups: UnixSignalsSequence) async -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let client = CurrentClient(runtime.client)
        let pollBeat = Heartbeat(clock: runtime.clock)
        let checkpointBeat = Heartbeat(clock: runtime.clock)
        let feedBeat = Heartbeat(clock: runtime.clock)
        let firstFeedPass = StartGate()
        let config = await runtime.engine.config
        var services: [any Service] = []
        if let pinger = makePinger(config: config, poll: pollBeat, checkpoint: checkpointBeat, feed: feedBeat) {
            services.append(WatchdogService(pinger: pinger, clock: runtime.clock))
        }
        if let metricsServer { services.append(metricsServer) }
        services += [
            SilenceWatchService(watcher: runtime.silences, period: .seconds(1), clock: runtime.clock),
            CheckpointService(
                engine: runtime.engine, logger: runtime.logger, heartbeat: checkpointBeat, tick: tick, clock: runtime.clock),
            DeliveryService(engine: runtime.engine, delivery: runtime.delivery, logger: runtime.logger, grace: deliveryGrace),
            ReloadService(
                engine: runtime.engine, delivery: runtime.delivery, client: client, makeClient: runtime.client(for:),
                metrics: runtime.metrics, logger: runtime.logger, notifier: notifier, hangups: hangups,
                reloadConfig: reloadConfig),
            CycleService(
                engine: runtime.engine, delivery: runtime.delivery, client: client, metrics: runtime.metrics,
                logger: runtime.logger, notifier: notifier, heartbeat: pollBeat, pollGrace: pollGrace, clock: runtime.clock,
                firstFeedPass: firstFeedPass),
            FeedService(
                engine: runtime.engine, delivery: runtime.delivery, client: client, logger: runtime.logger,
                metrics: runtime.metrics,
                heartbeat: feedBeat, firstPass: firstFeedPass, clock: runtime.clock, idleCheck: .seconds(5)),
        ]
        return services.map {
            .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                  failureTerminationBehavior: .gracefullyShutdownGroup)
        }
    }

    private func makePinger(config: Config, poll: Heartbeat, checkpoint: Heartbeat, feed: Heartbeat) -> WatchdogPinger? {
        guard let notifier, let watchdog = notifier.watchdogInterval else { return nil }
        let logger = runtime.logger
        if let warning = WatchdogPinger.timeoutWarning(timeout: config.controlCenter.timeout, watchdog: watchdog) {
            logger.warning("\(warning)")
        }
        // The poll loop's bound follows the timeout at start; a reload that raises it a lot
        // needs a restart to widen the bound too.
        let pollLimit = WatchdogPinger.pollStallLimit(timeout: config.controlCenter.timeout)
        return WatchdogPinger(
            watchdog: watchdog,
            watched: [
                .init(name: "poll", heartbeat: poll, stallLimit: pollLimit),
                .init(name: "feed", heartbeat: feed, stallLimit: pollLimit),
                .init(name: "checkpoint", heartbeat: checkpoint, stallLimit: .seconds(120) + tick),
            ],
            ping: { _ = notifier.watchdog() },
            stalled: { loop in
                logger.error("a loop shows no progress; no longer pinging the systemd watchdog, which will restart simwatch", metadata: [
                    "loop": "\(loop)",
                ])
            })
    }
}

/// The Control Center client the next cycle uses; a reload may replace it.
final class CurrentClient: Sendable {
    private let client: Mutex<ControlCenterClient>

    package init(_ client: ControlCenterClient) {
        self.client = Mutex(client)
    }

    package func get() -> ControlCenterClient { client.withLock { $0 } }
    package func set(_ new: ControlCenterClient) { client.withLock { $0 = new } }
}
