import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `simwatch run`: polls every `poll.interval`, delivers alerts, reloads on SIGHUP,
/// and talks to systemd. Ends on graceful shutdown after saving the state.
public struct MonitorService: Service {
    let runtime: Runtime
    let notifier: SystemdNotifier?
    /// Reads and validates the configuration again (SIGHUP).
    let reloadConfig: @Sendable () throws -> Config
    /// How often the checkpoint loop saves due state and tries deliveries.
    let tick: Duration

    public init(
        runtime: Runtime, notifier: SystemdNotifier?, tick: Duration = .seconds(1),
        reloadConfig: @escaping @Sendable () throws -> Config
    ) {
        self.runtime = runtime
        self.notifier = notifier
        self.tick = tick
        self.reloadConfig = reloadConfig
    }

    public func run() async throws {
        let engine = runtime.engine
        try await engine.start()
        let client = CurrentClient(runtime.client)
        let heartbeat = Heartbeat(minimumGap: .seconds(1)) { [notifier] in _ = notifier?.watchdog() }
        let beatEvery = notifier?.watchdogPingInterval ?? .seconds(5)
        _ = notifier?.ready()
        let config = await engine.config
        runtime.logger.info("simwatch started", metadata: [
            "devices": "\(config.devices.count)", "interval": "\(HumanFormat.duration(config.poll.interval))",
            "version": "\(SimWatchVersion.current)",
        ])

        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.checkpointLoop() }
                group.addTask { await self.runtime.delivery.run() }
                group.addTask { await self.reloadLoop(client: client) }
                group.addTask { await self.cycleLoop(client: client, heartbeat: heartbeat, beatEvery: beatEvery) }
                // The loops end only by cancellation: graceful shutdown cancels them all.
                await group.waitForAll()
            }
        }
        _ = notifier?.stopping()
        await engine.save()
        runtime.logger.info("simwatch stopped; state saved")
    }

    private func cycleLoop(client: CurrentClient, heartbeat: Heartbeat, beatEvery: Duration) async {
        let clock = ContinuousClock()
        while !Task.isCancelled {
            let started = clock.now
            let interval = await runtime.engine.config.poll.interval
            let cycle = runtime.cycle(client: client.get(), heartbeat: heartbeat, heartbeatEvery: beatEvery)
            let report = await cycle.run(pacing: .spread(over: interval))
            guard !Task.isCancelled else { return }
            runtime.logCycle(report)
            runtime.metrics.recordCycle(report)
            await runtime.engine.save()
            // The cycle's events go out together now, without waiting for group_wait.
            await runtime.delivery.flush()
            let next = started + interval
            _ = notifier?.status(statusLine(report, nextIn: next - clock.now))
            await heartbeat.sleep(until: next, beatingEvery: beatEvery)
        }
    }

    private func checkpointLoop() async {
        while !Task.isCancelled {
            await runtime.engine.checkpoint()
            try? await Task.sleep(for: tick)
        }
    }

    private func reloadLoop(client: CurrentClient) async {
        for await _ in await UnixSignalsSequence(trapping: .sighup) {
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
        let next = HumanFormat.duration(.seconds(max(0, Int64(nextIn.seconds.rounded()))))
        let failure = report.failure.map { " (cycle failed: \($0))" } ?? ""
        return "cycle \(report.cycle): \(report.devices) devices, \(report.events) events, \(report.failed) failed, next in \(next)\(failure)"
    }
}

/// The Control Center client the next cycle uses; a reload may replace it.
final class CurrentClient: Sendable {
    private let client: Mutex<ControlCenterClient>

    init(_ client: ControlCenterClient) {
        self.client = Mutex(client)
    }

    func get() -> ControlCenterClient { client.withLock { $0 } }
    func set(_ new: ControlCenterClient) { client.withLock { $0 = new } }
}
