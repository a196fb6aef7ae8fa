import CurlHTTP
import Foundation
import Logging

/// Delivers the outbox: one lane per webhook, so a dead webhook never delays another.
///
/// A lane sends the events waiting for its webhook as one batch (split only where the
/// format's limits demand) once the oldest has waited `delivery.group_wait` or the
/// cycle ended (`flush`), at most `delivery.max_rate` requests per second. Failures
/// back off from 1 s doubling to 5 min (±20 %), or as long as `Retry-After` asks.
/// Events leave the outbox only after a 2xx; other 4xx answers dead-letter them.
public actor OutboxDelivery {
    private let engine: MonitorEngine
    private let http: any HTTPClient
    private let logger: Logger
    private let backoff: RetryPolicy
    public let counters: DeliveryCounters
    private var lanes: [String: Lane] = [:]
    /// Webhooks whose lane loop runs; a loop ends when a reload removes its webhook.
    private var running: Set<String> = []
    private let clock = ContinuousClock()

    /// One webhook's pacing, in memory: after a restart every webhook starts afresh.
    struct Lane {
        var failures = 0
        /// Backoff or `Retry-After`: nothing goes to the webhook before this.
        var notBefore: ContinuousClock.Instant?
        /// `max_rate` spacing between two requests.
        var nextSend: ContinuousClock.Instant?
        /// The cycle ended: send without waiting for `group_wait`.
        var flush = false
        var busy = false
    }

    public init(
        engine: MonitorEngine, http: any HTTPClient, logger: Logger, counters: DeliveryCounters = DeliveryCounters(),
        backoff: RetryPolicy = RetryPolicy(attempts: .max, baseDelay: .seconds(1), maxDelay: .seconds(300), jitter: 0.2)
    ) {
        self.engine = engine
        self.http = http
        self.logger = logger
        self.counters = counters
        self.backoff = backoff
    }

    /// Ends the wait for `group_wait`: what is pending goes out as soon as each lane may send.
    public func flush() async {
        for webhook in await engine.config.webhooks {
            lanes[webhook.name, default: Lane()].flush = true
        }
    }

    /// Runs every lane until the task is cancelled (`simwatch run`).
    public func run(tick: Duration = .milliseconds(200)) async {
        await withTaskGroup(of: Void.self) { group in
            while !Task.isCancelled {
                countExpired(await engine.expireOldDeliveries())
                for webhook in await engine.config.webhooks where !running.contains(webhook.name) {
                    running.insert(webhook.name)
                    group.addTask { await self.laneLoop(webhook.name, tick: tick) }
                }
                try? await Task.sleep(for: .seconds(1))
            }
            group.cancelAll()
        }
    }

    /// Delivers until nothing is pending or `budget` runs out (`simwatch once`); returns what is left.
    public func drain(within budget: Duration) async -> Int {
        let deadline = clock.now + budget
        await flush()
        countExpired(await engine.expireOldDeliveries())
        while !Task.isCancelled {
            let webhooks = await engine.config.webhooks.map(\.name)
            await withTaskGroup(of: Void.self) { group in
                for name in webhooks { group.addTask { _ = await self.attempt(name) } }
            }
            let pending = await engine.pendingCount()
            guard pending > 0, clock.now < deadline else { return pending }
            let wake = lanes.values.compactMap(\.notBefore).filter { $0 > clock.now }.min() ?? clock.now + .milliseconds(100)
            guard wake < deadline else { return pending }
            try? await clock.sleep(until: wake)
        }
        return await engine.pendingCount()
    }

    private func countExpired(_ letters: [DeadLetter]) {
        for (webhook, group) in Dictionary(grouping: letters, by: \.webhook) {
            counters.add(.deadLettered, events: group.count, webhook: webhook)
        }
    }

    private func laneLoop(_ name: String, tick: Duration) async {
        while !Task.isCancelled {
            guard await engine.config.webhooks.contains(where: { $0.name == name }) else {
                lanes[name] = nil
                running.remove(name)
                return
            }
            if await !attempt(name) {
                try? await Task.sleep(for: tick)
            }
        }
    }

    /// Sends what is due for one webhook; returns whether it sent anything.
    func attempt(_ name: String) async -> Bool {
        if lanes[name] == nil { lanes[name] = Lane() }
        guard lanes[name]?.busy == false else { return false }
        lanes[name]?.busy = true
        defer { lanes[name]?.busy = false }
        guard let webhook = await engine.config.webhooks.first(where: { $0.name == name }) else { return false }
        if let notBefore = lanes[name]?.notBefore, clock.now < notBefore { return false }
        let pending = await engine.pendingEntries(for: name)
        guard let oldest = pending.first else { return false }
        let groupWait = await engine.config.delivery.groupWait
        let waited = Duration.milliseconds(Int64(max(0, engine.now().timeIntervalSince(oldest.enqueuedAt)) * 1000))
        let lane = lanes[name] ?? Lane()
        // A retry does not wait for group_wait again: the batch was due already.
        guard lane.flush || lane.failures > 0 || waited >= groupWait else { return false }
        lanes[name]?.flush = false
        await send(pending.map(\.event), to: webhook)
        return true
    }

    private func send(_ events: [Event], to webhook: WebhookSettings) async {
        let formatter: any WebhookFormatter
        let payloads: [WebhookPayload]
        do {
            formatter = try webhook.formatter()
            payloads = try formatter.payloads(for: events)
        } catch {
            logger.error("cannot format alerts for webhook; they stay in the outbox", metadata: [
                "webhook": "\(webhook.name)", "error": "\(error)",
            ])
            backOff(webhook.name, retryAfter: nil)
            return
        }
        let sender = WebhookSender(webhook: webhook, http: http)
        let maxRate = await engine.config.delivery.maxRate
        let spacing = Duration.milliseconds(Int64((1000 / max(maxRate, 0.001)).rounded(.up)))
        for payload in payloads {
            if let next = lanes[webhook.name]?.nextSend, next > clock.now {
                try? await clock.sleep(until: next)
            }
            if Task.isCancelled { return }
            lanes[webhook.name]?.nextSend = clock.now + spacing
            let outcome: DeliveryOutcome
            do {
                outcome = try await sender.send(payload)
            } catch {
                return
            }
            await engine.applyDelivery(outcome, eventIDs: payload.eventIDs, webhook: webhook.name)
            guard record(outcome, webhook: webhook, events: payload.eventIDs) else { return }
        }
    }

    /// Counts and logs an outcome; returns whether to go on with the batch's next message.
    private func record(_ outcome: DeliveryOutcome, webhook: WebhookSettings, events: [String]) -> Bool {
        switch outcome {
        case .delivered(let status):
            lanes[webhook.name]?.failures = 0
            lanes[webhook.name]?.notBefore = nil
            counters.add(.delivered, events: events.count, webhook: webhook.name)
            logger.info("alert delivered", metadata: [
                "webhook": "\(webhook.name)", "events": "\(events.count)", "status": "\(status)",
            ])
            return true
        case .retry(let reason, let retryAfter):
            let delay = backOff(webhook.name, retryAfter: retryAfter)
            counters.add(.retried, events: events.count, webhook: webhook.name)
            logger.warning("alert delivery failed; will retry", metadata: [
                "webhook": "\(webhook.name)", "url": "\(redactedURL(webhook.url))", "events": "\(events.count)",
                "reason": "\(reason)", "retry_in": "\(HumanFormat.duration(delay))",
            ])
            return false
        case .rejected(let reason):
            counters.add(.deadLettered, events: events.count, webhook: webhook.name)
            logger.error("webhook rejected the alert; events dead-lettered", metadata: [
                "webhook": "\(webhook.name)", "url": "\(redactedURL(webhook.url))", "events": "\(events.count)",
                "event_ids": "\(events.joined(separator: ","))", "answer": "\(reason)",
            ])
            return true
        }
    }

    /// Schedules the lane's next try; returns the delay.
    @discardableResult
    private func backOff(_ name: String, retryAfter: Duration?) -> Duration {
        var lane = lanes[name] ?? Lane()
        lane.failures += 1
        let delay = max(backoff.delay(after: lane.failures), retryAfter ?? .zero)
        lane.notBefore = clock.now + delay
        lanes[name] = lane
        return delay
    }
}
