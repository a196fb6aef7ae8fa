import Foundation
import Logging
import ServiceLifecycle
import SimWatchConfig
import SimWatchControlCenter
import SimWatchCore
import SimWatchMonitor

/// Runs poll cycles every `poll.interval`, spread over it; the first to stop at shutdown.
///
/// Graceful shutdown closes the gate: no new poll starts, the polls in flight get
/// `pollGrace` to answer, then they are cancelled.
struct CycleService: Service {
    let engine: MonitorEngine
    let delivery: OutboxDelivery
    let client: CurrentClient
    let metrics: SimwatchMetrics
    let logger: Logger
    let notifier: SystemdNotifier?
    let heartbeat: Heartbeat
    /// How long polls in flight at shutdown may take before they are cancelled.
    let pollGrace: Duration
    let clock: MonotonicClock
    /// Closed by the feed service after its first pass: the first cycle polls what discovery found.
    let firstFeedPass: StartGate?

    func run() async {
        let gate = StartGate()
        // Sent from here, not before the group runs: by now the group traps SIGTERM, and
        // SIGHUP was trapped when the reload service was made.
        _ = notifier?.ready()
        let config = await engine.config
        var started: Logger.Metadata = [
            "devices": "\(config.devices.count)", "interval": "\(HumanFormat.duration(config.poll.interval))",
            "version": "\(SimWatchVersion.current)",
        ]
        if config.fleet.usesSearchDevices {
            started["inventory"] = "\(await engine.inventoryCount)"
            started["changes_every"] = "\(HumanFormat.duration(config.fleet.changesEvery))"
        }
        logger.info("simwatch started", metadata: started)
        await withGracefulShutdownHandler {
            await pollUntilStopped(gate: gate)
        } onGracefulShutdown: { [notifier] in
            _ = notifier?.stopping()
            gate.close()
        }
    }

    /// Runs cycles until the gate closes, then lets the cycle under way finish, for at most `pollGrace`.
    private func pollUntilStopped(gate: StartGate) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await cycleLoop(gate: gate) }
            group.addTask { [pollGrace, clock] in
                await gate.waitUntilClosed()
                try? await clock.sleep(for: pollGrace)
            }
            // Whichever ends first: the cycles (the gate closed and polls finished), or the grace.
            await group.next()
            group.cancelAll()
        }
    }

    private func cycleLoop(gate: StartGate) async {
        let beatEvery: Duration = .seconds(5)
        if let firstFeedPass {
            while firstFeedPass.isOpen, gate.isOpen, !Task.isCancelled {
                await heartbeat.sleep(until: clock.now + .seconds(1), beatingEvery: beatEvery, gate: gate)
            }
        }
        while !Task.isCancelled, gate.isOpen {
            let started = clock.now
            let interval = await engine.config.poll.interval
            let cycle = PollCycle(engine: engine, client: client.get(), logger: logger, metrics: metrics,
                                  heartbeat: heartbeat, heartbeatEvery: beatEvery, gate: gate, clock: clock)
            var report = await cycle.run(pacing: .spread(over: interval))
            heartbeat.tick()
            // A feed pass refused with a 401 fails a cycle whose polls did not prove the credentials.
            if report.failure == nil { report.failure = await engine.lastCycleFailure }
            // A cycle cut short by shutdown is neither a success nor a failure.
            guard !Task.isCancelled, gate.isOpen else { return }
            report.log(to: logger)
            metrics.recordCycle(report)
            await engine.save()
            // The cycle's events go out together now, without waiting for group_wait.
            await delivery.flush()
            let next = started + interval
            _ = notifier?.status(Self.statusLine(report, nextIn: next - clock.now))
            await heartbeat.sleep(until: next, beatingEvery: beatEvery, gate: gate)
        }
    }

    /// systemd's STATUS line after a cycle.
    static func statusLine(_ report: CycleReport, nextIn: Duration) -> String {
        let next = HumanFormat.duration(.seconds(max(0, (nextIn + .milliseconds(500)).components.seconds)))
        let failure = report.failure.map { " (cycle failed: \($0))" } ?? ""
        return "cycle \(report.cycle): \(report.devices) devices, \(report.events) events, \(report.failed) failed, next in \(next)\(failure)"
    }
}
