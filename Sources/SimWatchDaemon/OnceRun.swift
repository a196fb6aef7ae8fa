import Foundation
import Logging

/// `simwatch once`: one full cycle as fast as the limits allow, save, deliver, done.
public enum OnceRun {
    /// How long pending deliveries are tried before `once` leaves them in the outbox.
    public static let deliveryBudget: Duration = .seconds(30)

    /// Runs one feed pass first when the feed or discovery is due, then the cycle; returns the cycle's report. The caller exits 1 when `report.succeeded` is false.
    ///
    /// Throws `StateLoadError` when the state file exists but cannot be read.
    public static func run(
        runtime: Runtime, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in },
        deliveryBudget: Duration = deliveryBudget
    ) async throws -> CycleReport {
        await runtime.silences.check()
        try await runtime.engine.start()
        let checkpoints = Task {
            while !Task.isCancelled {
                try? await runtime.clock.sleep(for: .seconds(1))
                await runtime.engine.checkpoint()
            }
        }
        if await runtime.engine.feedPassDue {
            let feed = await runtime.feedPass().run()
            let inventory = await runtime.engine.inventoryCount
            feed.log(to: runtime.logger, inventory: inventory)
            runtime.metrics.recordFeedPass(feed, inventory: inventory)
            var log = FeedLog()
            log.report(feed, to: runtime.logger)
        }
        var report = await runtime.cycle(progress: progress).run(pacing: .asFastAsAllowed)
        // A feed pass refused with a 401 fails a cycle whose polls did not prove the credentials.
        if report.failure == nil { report.failure = await runtime.engine.lastCycleFailure }
        checkpoints.cancel()
        runtime.logCycle(report)
        await runtime.engine.save()
        // Only the drain changes the state from here on, and only when something waits:
        // a fleet with nothing to send (the usual `once`) is not saved a second time.
        let waiting = await !runtime.engine.outbox.entries.isEmpty
        let pending = await runtime.delivery.drain(within: deliveryBudget)
        if pending > 0 {
            runtime.logger.warning("some alerts not delivered yet; they stay in the outbox for the next run", metadata: [
                "pending": "\(pending)",
            ])
        }
        let lastSaveFailed = await runtime.engine.consecutiveSaveFailures > 0
        if waiting || lastSaveFailed {
            await runtime.engine.save()
        }
        return report
    }
}
