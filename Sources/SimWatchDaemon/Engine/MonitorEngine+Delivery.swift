import Foundation
import SimWatchAlerts
import SimWatchConfig
import SimWatchCore
import SimWatchState

/// What delivery lanes may do with the outbox, and nothing else of the engine.
///
/// The outbox lives on the engine's actor so that a save's snapshot always holds a
/// device's observation together with its events; lanes reach it only through this.
package protocol DeliveryOutbox: Sendable {
    /// The wall clock the outbox ages by.
    var now: @Sendable () -> Date { get }
    /// Saved entries still pending for one webhook, oldest first.
    func pendingEntries(for webhook: String) async -> [OutboxEntry]
    /// Saved events still waiting for any webhook.
    func pendingCount() async -> Int
    /// Records that this process sent these events to `webhook`.
    func markTried(_ ids: [String], webhook: String) async
    /// Applies an answer; dead-letters the events when `deadLetter` says so.
    func applyDelivery(_ outcome: DeliveryOutcome, eventIDs: [String], webhook: String, deadLetter: Bool) async -> DeadLettering
    /// Dead-letters what `maxAge` gives up on; returns them.
    func expire(maxAge: Duration, webhooks: Set<String>) async -> DeadLettering
}

extension MonitorEngine: DeliveryOutbox {
    package func pendingEntries(for webhook: String) -> [OutboxEntry] {
        outbox.pending(for: webhook)
    }

    package func pendingCount() -> Int {
        outbox.pendingCount
    }

    package func markTried(_ ids: [String], webhook: String) {
        outbox.markTried(ids, webhook: webhook)
    }

    /// A 2xx ends the deliveries. Any other answer is an attempt; it dead-letters the
    /// events only when the lane says so (`deadLetter`: a 400/422 for the third time, a
    /// 413 for a single event), with the answer as the reason.
    @discardableResult
    package func applyDelivery(
        _ outcome: DeliveryOutcome, eventIDs: [String], webhook: String, deadLetter: Bool = false
    ) -> DeadLettering {
        switch outcome {
        case .delivered:
            outbox.markDelivered(eventIDs, webhook: webhook)
            return DeadLettering()
        case .retry(let reason, _), .rejected(let reason), .tooLarge(let reason):
            guard deadLetter else { return DeadLettering() }
            return outbox.deadLetter(eventIDs, webhook: webhook, reason: reason, at: now())
        }
    }

    /// A delivery expires only once this process has tried it, or when its webhook is no
    /// longer configured (no lane will ever try it).
    package func expire(maxAge: Duration, webhooks: Set<String>) -> DeadLettering {
        let result = outbox.expire(
            maxAge: maxAge.seconds, webhooks: webhooks, now: now(),
            reason: "not delivered within max_age \(HumanFormat.duration(maxAge))")
        for letter in result.letters {
            logger.error("event expired undelivered; dead-lettered", metadata: [
                "webhook": "\(letter.webhook)", "event_id": "\(letter.event.id)", "kind": "\(letter.event.kind.rawValue)",
            ])
        }
        return result
    }
}
