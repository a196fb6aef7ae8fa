import Foundation
import Logging
import ServiceLifecycle
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor

/// Runs the change feed every `fleet.changes_every` (discovery first, when the inventory is
/// not complete); the first service to stop at shutdown, with the cycles.
///
/// A pass that raised events ends like a cycle: the state is saved and the events go out
/// together, without waiting for `group_wait`. A failed pass is logged and tried again the
/// next period. `firstPass` closes when the first pass has ended either way, so the first
/// usage cycle already polls what discovery found.
struct FeedService: Service {
    let engine: MonitorEngine
    let delivery: OutboxDelivery
    let client: CurrentClient
    let logger: Logger
    let metrics: SimwatchMetrics
    let heartbeat: Heartbeat
    /// Closed after the first pass (or at once when no pass is due); the cycle service waits for it.
    let firstPass: StartGate
    let clock: MonotonicClock
    /// How often a feed that is off looks again whether a reload turned it on.
    let idleCheck: Duration

    func run() async {
        let gate = StartGate()
        await withGracefulShutdownHandler {
            await passUntilStopped(gate: gate)
        } onGracefulShutdown: {
            // `firstPass` stays as it is: the cycle service, told next, stops waiting on its own.
            gate.close()
        }
    }

    private func passUntilStopped(gate: StartGate) async {
        let beatEvery: Duration = .seconds(5)
        var log = FeedLog()
        while !Task.isCancelled, gate.isOpen {
            let started = clock.now
            var period = idleCheck
            if await engine.feedPassDue {
                let report = await FeedPass(
                    engine: engine, client: client.get(), logger: logger, heartbeat: heartbeat, gate: gate, clock: clock
                ).run()
                heartbeat.tick()
                let inventory = await engine.inventoryCount
                report.log(to: logger, inventory: inventory)
                metrics.recordFeedPass(report, inventory: inventory)
                log.report(report, to: logger)
                if report.events > 0 {
                    await engine.save()
                    await delivery.flush()
                }
                let fleet = await engine.config.fleet
                period = fleet.feedIsOn ? fleet.changesEvery : idleCheck
            }
            firstPass.close()
            await heartbeat.sleep(until: started + period, beatingEvery: beatEvery, gate: gate)
        }
    }
}
