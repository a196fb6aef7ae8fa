import Foundation
import Logging
import ServiceLifecycle
import SimWatchConfig
import SimWatchControlCenter
import SimWatchCore
import SimWatchMonitor
import UnixSignals

/// Runs the delivery lanes; at shutdown, once polling stopped, saves and drains.
///
/// Shutdown: the state is saved (the last cycle's events become deliverable), then
/// deliveries get `grace` while the lanes keep running, so a POST in flight is answered,
/// not cut off and sent again; events raised before the signal go out without waiting
/// for `group_wait`.
struct DeliveryService: Service {
    let engine: MonitorEngine
    let delivery: OutboxDelivery
    let logger: Logger
    let grace: Duration

    func run() async {
        var pending = 0
        await withTaskGroup(of: Void.self) { lanes in
            lanes.addTask { await delivery.run() }
            // Thrown only when the group is cancelled rather than shut down: then go on to drain all the same.
            try? await gracefulShutdown()
            logger.info("shutting down: polling stopped; saving the state and delivering what is due", metadata: [
                "within": "\(HumanFormat.duration(grace))",
            ])
            await engine.save()
            pending = await delivery.drain(within: grace)
            lanes.cancelAll()
        }
        if pending > 0 {
            logger.warning("alerts not delivered before shutdown; they stay in the outbox for the next start", metadata: [
                "pending": "\(pending)",
            ])
        }
    }
}

/// Saves the state when the policy says so; at shutdown, after the deliveries, saves the last time.
struct CheckpointService: Service {
    let engine: MonitorEngine
    let logger: Logger
    let heartbeat: Heartbeat
    /// How often the policy is asked.
    let tick: Duration
    let clock: MonotonicClock

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await engine.checkpoint()
                heartbeat.tick()
                try? await clock.sleep(for: tick)
            }
        }
        await engine.save()
        logger.info("simwatch stopped; state saved")
    }
}

/// Reloads the configuration on SIGHUP; a bad one is logged and the old one stays.
struct ReloadService: Service {
    let engine: MonitorEngine
    let delivery: OutboxDelivery
    let client: CurrentClient
    /// A Control Center client for new settings.
    let makeClient: @Sendable (ControlCenterSettings) -> ControlCenterClient
    let metrics: SimwatchMetrics
    let logger: Logger
    let notifier: SystemdNotifier?
    /// Trapped before READY: SIGHUP's default action ends the process.
    let hangups: UnixSignalsSequence
    let reloadConfig: @Sendable () throws -> Config

    func run() async {
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                await reload()
            }
        }
    }

    private func reload() async {
        _ = notifier?.reloading()
        do {
            let config = try reloadConfig()
            try SilencesFileChange.refuse(from: await engine.config, to: config)
            let before = Set(await engine.config.devices.map(\.iccid))
            let after = Set(config.devices.map(\.iccid))
            await engine.apply(config)
            await delivery.apply(config)
            metrics.describe(config)
            client.set(makeClient(config.controlCenter))
            logger.info("configuration reloaded", metadata: [
                "devices": "\(after.count)", "added": "\(after.subtracting(before).count)",
                "removed": "\(before.subtracting(after).count)",
            ])
        } catch {
            logger.error("configuration reload failed; keeping the old configuration", metadata: [
                "error": "\(String(describing: error).replacingOccurrences(of: "\n", with: "; "))",
            ])
        }
        _ = notifier?.ready()
    }
}

/// Pings systemd's watchdog while the loops show progress; the last to stop.
struct WatchdogService: Service {
    let pinger: WatchdogPinger
    let clock: MonotonicClock

    func run() async {
        await cancelWhenGracefulShutdown { [clock] in await pinger.run(sleep: { try? await clock.sleep(for: $0) }) }
    }
}
