import Foundation
import Logging
import ServiceLifecycle
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor

/// Raises the daily digest at `digest.at` in `digest.timezone`, on the injected clock.
///
/// A digest missed while the daemon was down (one was sent before, and a due time passed
/// since) is sent once at start, not once per missed day. The wall time is read from the
/// engine every `step`, so a stepped system clock or a reload that moves `digest.at`
/// takes effect within one step.
struct DigestService: Service {
    let engine: MonitorEngine
    let delivery: OutboxDelivery
    let logger: Logger
    let clock: MonotonicClock
    /// How often the wall clock is compared with the due time.
    let step: Duration

    func run() async {
        await cancelWhenGracefulShutdown {
            var next: Date?
            var schedule: DigestSchedule?
            while !Task.isCancelled {
                if let settings = await engine.config.digest {
                    let current = DigestSchedule(settings)
                    let now = engine.now()
                    if next == nil {
                        next = current.missed(lastSent: await engine.lastDigestAt, now: now) ? now : current.next(after: now)
                    } else if current != schedule {
                        next = current.next(after: now)
                    }
                    schedule = current
                    if let due = next, now >= due {
                        await send()
                        next = current.next(after: now)
                    }
                } else {
                    (next, schedule) = (nil, nil)
                }
                try? await clock.sleep(for: step)
            }
        }
    }

    private func send() async {
        let event = await engine.raiseDigest()
        let webhooks = await engine.config.digestWebhooks
        logger.info("daily digest raised", metadata: [
            "webhooks": "\(webhooks.joined(separator: ","))", "event_id": "\(event.id)",
        ])
        await engine.save()
        await delivery.flush()
    }
}
