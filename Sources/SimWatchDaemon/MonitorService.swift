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
/// Graceful shutdown (SIGTERM, SIGINT) drains rather than cuts: no new poll starts, the
/// polls in flight get `pollGrace` to answer, the state is saved, deliveries get
/// `deliveryGrace` (a POST in flight is answered, and events raised before the signal go
/// out without waiting for `group_wait`), and the state is saved again.
public struct MonitorService: Service {
    package let runtime: Runtime
    package let notifier: SystemdNotifier?
    /// Reads and validates the configuration again (SIGHUP).
    let reloadConfig: @Sendable () throws -> Config
    /// How often the checkpoint loop saves due state and tries deliveries.
    package let tick: Duration
    /// How long polls in flight at shutdown may take before they are cancelled: 4 s, so
    /// that with the save after it the polling part stays within the 5 s DESIGN.md gives it.
    let pollGrace: Duration
    /// How long deliveries are tried at shutdown.
    let deliveryGrace: Duration

    public init(
        runtime: Runtime, notifier: SystemdNotifier?, tick: Duration = .seconds(1),
        pollGrace: Duration = .seconds(4), deliveryGrace: Duration = .seconds(5),
        reloadConfig: @escaping @Sendable () throws -> Config
    ) {
        self.runtime = runtime
        self.notifier = notifier
        self.tick = tick
        self.pollGrace = pollGrace
        self.deliveryGrace = deliveryGrace
        self.reloadConfig = reloadConfig
    }

    public func run() async throws {
        let engine = runtime.engine
        try await engine.start()
        runtime.metrics.seedHealth(from: await engine.state.health)
        let client = CurrentClient(runtime.client)
        let gate = StartGate()
        let pollBeat = Heartbeat()
        let checkpointBeat = Heartbeat()
        let config = await engine.config
        let pinger = notifier.flatMap { notifier in
            notifier.watchdogInterval.map { watchdog in
                makePinger(notifier: notifier, watchdog: watchdog, config: config, poll: pollBeat, checkpoint: checkpointBeat)
            }
        }
        // Trapped before READY: SIGHUP's default action ends the process, and systemd may
        // send a reload as soon as it has seen READY=1.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        _ = notifier?.ready()
        runtime.logger.info("simwatch started", metadata: [
            "devices": "\(config.devices.count)", "interval": "\(HumanFormat.duration(config.poll.interval))",
            "version": "\(SimWatchVersion.current)",
        ])

        var pending = 0
        await withTaskGroup(of: Void.self) { background in
            background.addTask { await self.checkpointLoop(heartbeat: checkpointBeat) }
            background.addTask { await self.runtime.delivery.run() }
            background.addTask { await self.reloadLoop(hangups, client: client) }
            if let pinger { background.addTask { await pinger.run() } }

            await withGracefulShutdownHandler {
                await self.pollUntilStopped(client: client, heartbeat: pollBeat, gate: gate)
            } onGracefulShutdown: { [notifier] in
                _ = notifier?.stopping()
                gate.close()
            }
            runtime.logger.info("shutting down: polling stopped; saving the state and delivering what is due", metadata: [
                "within": "\(HumanFormat.duration(deliveryGrace))",
            ])
            await engine.save()
            // The lanes keep running meanwhile, so a POST already in flight is answered, not cut off.
            pending = await runtime.delivery.drain(within: deliveryGrace)
            background.cancelAll()
        }
        await engine.save()
        if pending > 0 {
            runtime.logger.warning("alerts not delivered before shutdown; they stay in the outbox for the next start", metadata: [
                "pending": "\(pending)",
            ])
        }
        runtime.logger.info("simwatch stopped; state saved")
    }

    /// Runs cycles until the gate closes, then lets the cycle under way finish, for at most `pollGrace`.
    private func pollUntilStopped(client: CurrentClient, heartbeat: Heartbeat, gate: StartGate) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.cycleLoop(client: client, heartbeat: heartbeat, gate: gate) }
            group.addTask { [pollGrace] in
                await gate.waitUntilClosed()
                try? await Task.sleep(for: pollGrace)
            }
            // Whichever ends first: the cycles (the gate closed and polls finished), or the grace.
            await group.next()
            group.cancelAll()
        }
    }

    private func cycleLoop(client: CurrentClient, heartbeat: Heartbeat, gate: StartGate) async {
        let clock = ContinuousClock()
        let beatEvery: Duration = .seconds(5)
        while !Task.isCancelled, gate.isOpen {
            let started = clock.now
            let interval = await runtime.engine.config.poll.interval
            let cycle = runtime.cycle(client: client.get(), heartbeat: heartbeat, heartbeatEvery: beatEvery, gate: gate)
            let report = await cycle.run(pacing: .spread(over: interval))
            heartbeat.tick()
            // A cycle cut short by shutdown is neither a success nor a failure.
            guard !Task.isCancelled, gate.isOpen else { return }
            runtime.logCycle(report)
            runtime.metrics.recordCycle(report)
            await runtime.engine.save()
            // The cycle's events go out together now, without waiting for group_wait.
            await runtime.delivery.flush()
            let next = started + interval
            _ = notifier?.status(statusLine(report, nextIn: next - clock.now))
            await heartbeat.sleep(until: next, beatingEvery: beatEvery, gate: gate)
        }
    }

    private func checkpointLoop(heartbeat: Heartbeat) async {
        while !Task.isCancelled {
            await runtime.engine.checkpoint()
            heartbeat.tick()
            try? await Task.sleep(for: tick)
        }
    }

    private func makePinger(
        notifier: SystemdNotifier, watchdog: Duration, config: Config, poll: Heartbeat, checkpoint: Heartbeat
    ) -> WatchdogPinger {
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
                .init(name: "checkpoint", heartbeat: checkpoint, stallLimit: .seconds(120) + tick),
            ],
            ping: { _ = notifier.watchdog() },
            stalled: { loop in
                logger.error("a loop shows no progress; no longer pinging the systemd watchdog, which will restart simwatch", metadata: [
                    "loop": "\(loop)",
                ])
            })
    }

    private func reloadLoop(_ hangups: UnixSignalsSequence, client: CurrentClient) async {
        for await _ in hangups {
            _ = notifier?.reloading()
            do {
                let config = try reloadConfig()
                let before = Set(await runtime.engine.config.devices.map(\.iccid))
                let after = Set(config.devices.map(\.iccid))
                await runtime.engine.apply(config)
                runtime.metrics.describe(config)
                client.set(runtime.client(for: config.controlCenter))
                runtime.logger.info("configuration reloaded", metadata: [
                    "devices": "\(after.count)", "added": "\(after.subtracting(before).count)",
                    "removed": "\(before.subtracting(after).count)",
                ])
            } catch {
                runtime.logger.error("configuration reload failed; keeping the old configuration", metadata: [
                    "error": "\(String(describing: error).replacingOccurrences(of: "\n", with: "; "))",
                ])
            }
            _ = notifier?.ready()
        }
    }

    func statusLine(_ report: CycleReport, nextIn: Duration) -> String {
        let next = HumanFormat.duration(.seconds(max(0, (nextIn + .milliseconds(500)).components.seconds)))
        let failure = report.failure.map { " (cycle failed: \($0))" } ?? ""
        return "cycle \(report.cycle): \(report.devices) devices, \(report.events) events, \(report.failed) failed, next in \(next)\(failure)"
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
