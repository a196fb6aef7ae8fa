import CurlHTTP
import Foundation
import Logging

/// Delivers the outbox to every webhook, each on its own, with backoff after failures.
///
/// Events leave the outbox only after a 2xx; a failed webhook waits out its backoff
/// (or its `Retry-After`) without holding up the others.
public actor OutboxDelivery {
    private let engine: MonitorEngine
    private let http: any HTTPClient
    private let logger: Logger
    private let backoff: RetryPolicy
    private var failures: [String: Int] = [:]
    private var notBefore: [String: ContinuousClock.Instant] = [:]

    public init(
        engine: MonitorEngine, http: any HTTPClient, logger: Logger,
        backoff: RetryPolicy = RetryPolicy(attempts: .max, baseDelay: .seconds(1), maxDelay: .seconds(300))
    ) {
        self.engine = engine
        self.http = http
        self.logger = logger
        self.backoff = backoff
    }

    /// Tries every webhook whose backoff has passed once; returns how many events are still pending.
    @discardableResult
    public func deliverPending() async -> Int {
        await engine.expireOldDeliveries()
        let webhooks = await engine.config.webhooks
        await withTaskGroup(of: Void.self) { group in
            for webhook in webhooks {
                group.addTask { await self.deliver(to: webhook) }
            }
        }
        return await engine.state.outbox.count
    }

    /// Delivers until the outbox is empty or `budget` runs out (`simwatch once`).
    public func drain(within budget: Duration) async -> Int {
        let clock = ContinuousClock()
        let deadline = clock.now + budget
        var pending = await deliverPending()
        while pending > 0, clock.now < deadline, !Task.isCancelled {
            let wake = min(deadline, notBefore.values.min() ?? clock.now + .milliseconds(200))
            try? await clock.sleep(until: max(wake, clock.now + .milliseconds(50)))
            pending = await deliverPending()
        }
        return pending
    }

    private func deliver(to webhook: WebhookSettings) async {
        if let wait = notBefore[webhook.name], ContinuousClock.now < wait { return }
        let events = await engine.pendingEvents(for: webhook.name)
        guard !events.isEmpty else { return }
        guard let formatter = webhook.format.formatter else {
            logger.warning("webhook format not supported by this build; events stay in the outbox", metadata: [
                "webhook": "\(webhook.name)", "format": "\(webhook.format.rawValue)",
            ])
            notBefore[webhook.name] = ContinuousClock.now + .seconds(300)
            return
        }
        let sender = WebhookSender(webhook: webhook, http: http)
        do {
            for payload in try formatter.payloads(for: events) {
                let outcome = try await sender.send(payload)
                await engine.applyDelivery(outcome, eventIDs: payload.eventIDs, webhook: webhook.name)
                guard record(outcome, webhook: webhook, count: payload.eventIDs.count) else { return }
            }
        } catch is CancellationError {
            return
        } catch {
            logger.error("could not format events for webhook", metadata: ["webhook": "\(webhook.name)", "error": "\(error)"])
        }
    }

    /// Updates the webhook's backoff; returns whether to go on with its next payload.
    private func record(_ outcome: DeliveryOutcome, webhook: WebhookSettings, count: Int) -> Bool {
        switch outcome {
        case .delivered(let status):
            failures[webhook.name] = nil
            notBefore[webhook.name] = nil
            logger.info("alert delivered", metadata: [
                "webhook": "\(webhook.name)", "events": "\(count)", "status": "\(status)",
            ])
            return true
        case .retry(let reason, let retryAfter):
            let attempt = (failures[webhook.name] ?? 0) + 1
            failures[webhook.name] = attempt
            let delay = max(backoff.delay(after: attempt), retryAfter ?? .zero)
            notBefore[webhook.name] = ContinuousClock.now + delay
            logger.warning("alert delivery failed; will retry", metadata: [
                "webhook": "\(webhook.name)", "url": "\(redactedURL(webhook.url))", "events": "\(count)",
                "reason": "\(reason)", "retry_in": "\(HumanFormat.duration(delay))",
            ])
            return false
        case .rejected:
            return true
        }
    }
}
