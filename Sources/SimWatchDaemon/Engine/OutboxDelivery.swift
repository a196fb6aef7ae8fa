import CurlHTTP
import Foundation
import Logging
import SimWatchAlerts
import SimWatchConfig
import SimWatchCore
import SimWatchState

/// Delivers the outbox: one lane per webhook, so a dead webhook never delays another.
///
/// A lane sends the events waiting for its webhook as one batch (split only where the
/// format's limits demand) once the oldest has waited `delivery.group_wait` or the
/// cycle ended (`flush`), at most `delivery.max_rate` requests per second. Failures
/// back off from 1 s doubling to 5 min (±20 %), or as long as `Retry-After` asks (at
/// most 1 h). Events leave the outbox only after a 2xx, or as dead letters: after the
/// third 400/422, when a single event is answered 413 (a larger batch is split in
/// halves instead), or older than `max_age` once this process has tried them.
public actor OutboxDelivery {
    private let engine: MonitorEngine
    private let http: any HTTPClient
    private let logger: Logger
    private let backoff: RetryPolicy
    public let counters: DeliveryCounters
    private var lanes: [String: Lane] = [:]
    /// Webhooks whose lane loop runs; a loop ends when a reload removes its webhook.
    private var running: Set<String> = []
    /// Deliveries this process has tried: only these may expire, so an event restored
    /// after a long downtime gets one try before `max_age` gives up on it.
    private(set) var attempted: Set<DeliveryKey> = []
    package let clock = ContinuousClock()

    /// How many 400/422 answers an event gets before it is dead-lettered.
    static let refusalLimit = 3

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
        /// 400/422 answers so far, by event id.
        var refusals: [String: Int] = [:]
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
                await expire()
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
        await expire()
        while !Task.isCancelled {
            let webhooks = await engine.config.webhooks.map(\.name)
            await withTaskGroup(of: Void.self) { group in
                for name in webhooks { group.addTask { _ = await self.attempt(name) } }
            }
            // What was just tried once may now expire.
            await expire()
            let pending = await engine.pendingCount()
            guard pending > 0, clock.now < deadline else { return pending }
            let wake = lanes.values.compactMap(\.notBefore).filter { $0 > clock.now }.min() ?? clock.now + .milliseconds(100)
            guard wake < deadline else { return pending }
            try? await clock.sleep(until: wake)
        }
        return await engine.pendingCount()
    }

    /// Dead-letters what `max_age` gives up on, and forgets tries of events that left.
    package func expire() async {
        countDeadLettering(await engine.expireOldDeliveries(attempted: attempted))
        guard !attempted.isEmpty else { return }
        let ids = await engine.outboxEventIDs()
        attempted = attempted.filter { ids.contains($0.eventID) }
        for (name, lane) in lanes {
            // Read before writing: `lanes[name]?.x = lanes[name]…` overlaps two accesses.
            let kept = lane.refusals.filter { ids.contains($0.key) }
            lanes[name]?.refusals = kept
        }
    }

    /// Counts dead letters, and logs and counts older ones the 1,000 cap dropped for them.
    private func countDeadLettering(_ result: DeadLettering) {
        for (webhook, group) in Dictionary(grouping: result.letters, by: \.webhook) {
            counters.add(.deadLettered, events: group.count, webhook: webhook)
        }
        guard !result.dropped.isEmpty else { return }
        counters.addDropped(result.dropped)
        logger.warning("oldest dead letters dropped: the state file keeps the newest \(PersistentState.deadLetterLimit)", metadata: [
            "dropped": "\(result.dropped.count)",
        ])
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
    package func attempt(_ name: String) async -> Bool {
        if lanes[name] == nil { lanes[name] = Lane() }
        guard lanes[name]?.busy == false else { return false }
        lanes[name]?.busy = true
        defer { lanes[name]?.busy = false }
        guard let webhook = await engine.config.webhooks.first(where: { $0.name == name }) else { return false }
        if let notBefore = lanes[name]?.notBefore, clock.now < notBefore { return false }
        let pending = await engine.pendingEntries(for: name)
        guard let oldest = pending.first else { return false }
        let groupWait = await engine.config.delivery.groupWait
        // The state file may hold any date: bound the age before it becomes an Int64.
        let age = engine.now().timeIntervalSince(oldest.enqueuedAt)
        let waited = Duration.milliseconds(Int64(age.isFinite ? min(max(0, age), 1e12) * 1000 : 0))
        let lane = lanes[name] ?? Lane()
        // A retry does not wait for group_wait again: the batch was due already.
        guard lane.flush || lane.failures > 0 || waited >= groupWait else { return false }
        lanes[name]?.flush = false
        await send(pending.map(\.event), to: webhook)
        return true
    }

    private func send(_ events: [Event], to webhook: WebhookSettings) async {
        let formatter = webhook.formatter()
        var queue: [WebhookPayload]
        do {
            queue = try formatter.payloads(for: events)
        } catch {
            logger.error("cannot format alerts for webhook; they stay in the outbox", metadata: [
                "webhook": "\(webhook.name)", "error": "\(error)",
            ])
            // A try all the same: a format that can never work must not keep them forever.
            markTried(events.map(\.id), webhook: webhook.name)
            backOff(webhook.name, retryAfter: nil)
            return
        }
        let byID = Dictionary(events.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let sender = WebhookSender(webhook: webhook, http: http)
        let spacing = Self.spacing(maxRate: await engine.config.delivery.maxRate)
        while !queue.isEmpty {
            let payload = queue.removeFirst()
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
            markTried(payload.eventIDs, webhook: webhook.name)
            if case .tooLarge(let reason) = outcome, payload.eventIDs.count > 1 {
                let events = payload.eventIDs.compactMap { byID[$0] }
                let half = events.count / 2
                do {
                    let halves = try formatter.payloads(for: Array(events[..<half])) + formatter.payloads(for: Array(events[half...]))
                    queue.insert(contentsOf: halves, at: 0)
                } catch {
                    backOff(webhook.name, retryAfter: nil)
                    return
                }
                await engine.applyDelivery(outcome, eventIDs: payload.eventIDs, webhook: webhook.name)
                logger.warning("webhook says the alert is too large; sending it in halves", metadata: [
                    "webhook": "\(webhook.name)", "url": "\(redactedURL(webhook.url))", "events": "\(events.count)",
                    "answer": "\(reason)",
                ])
                continue
            }
            guard await apply(outcome, to: payload.eventIDs, webhook: webhook) else { return }
        }
    }

    /// `max_rate` as the spacing between two requests; a rate that is no positive number sends one a second.
    package static func spacing(maxRate: Double) -> Duration {
        let rate = maxRate.isFinite && maxRate > 0 ? max(maxRate, 0.001) : 1
        return .milliseconds(Int64((1000 / rate).rounded(.up)))
    }

    private func markTried(_ ids: [String], webhook: String) {
        for id in ids { attempted.insert(DeliveryKey(eventID: id, webhook: webhook)) }
    }

    /// Applies, counts and logs an answer; returns whether to go on with the batch's next message.
    private func apply(_ outcome: DeliveryOutcome, to ids: [String], webhook: WebhookSettings) async -> Bool {
        switch outcome {
        case .delivered(let status):
            await engine.applyDelivery(outcome, eventIDs: ids, webhook: webhook.name)
            lanes[webhook.name]?.failures = 0
            lanes[webhook.name]?.notBefore = nil
            forgetRefusals(ids, webhook: webhook.name)
            counters.add(.delivered, events: ids.count, webhook: webhook.name)
            logger.info("alert delivered", metadata: [
                "webhook": "\(webhook.name)", "events": "\(ids.count)", "status": "\(status)",
            ])
            return true
        case .retry(let reason, let retryAfter):
            await engine.applyDelivery(outcome, eventIDs: ids, webhook: webhook.name)
            let delay = backOff(webhook.name, retryAfter: retryAfter)
            counters.add(.retried, events: ids.count, webhook: webhook.name)
            logger.warning("alert delivery failed; will retry", metadata: [
                "webhook": "\(webhook.name)", "url": "\(redactedURL(webhook.url))", "events": "\(ids.count)",
                "reason": "\(reason)", "retry_in": "\(HumanFormat.duration(delay))",
            ])
            return false
        case .rejected(let reason):
            var refusals = lanes[webhook.name]?.refusals ?? [:]
            for id in ids { refusals[id] = min((refusals[id] ?? 0) + 1, Self.refusalLimit) }
            lanes[webhook.name]?.refusals = refusals
            let exhausted = ids.filter { refusals[$0] == Self.refusalLimit }
            let again = ids.filter { refusals[$0] != Self.refusalLimit }
            if !exhausted.isEmpty {
                await deadLetter(outcome, exhausted, webhook: webhook, reason: reason)
            }
            guard !again.isEmpty else { return true }
            await engine.applyDelivery(outcome, eventIDs: again, webhook: webhook.name)
            let delay = backOff(webhook.name, retryAfter: nil)
            counters.add(.retried, events: again.count, webhook: webhook.name)
            logger.warning("webhook refused the alert; will retry before dead-lettering it", metadata: [
                "webhook": "\(webhook.name)", "url": "\(redactedURL(webhook.url))", "events": "\(again.count)",
                "attempt": "\(again.map { refusals[$0] ?? 0 }.max() ?? 0) of \(Self.refusalLimit)",
                "reason": "\(reason)", "retry_in": "\(HumanFormat.duration(delay))",
            ])
            return false
        case .tooLarge(let reason):
            // Only a single event gets here: a larger batch was split.
            await deadLetter(outcome, ids, webhook: webhook, reason: reason)
            return true
        }
    }

    private func deadLetter(_ outcome: DeliveryOutcome, _ ids: [String], webhook: WebhookSettings, reason: String) async {
        let result = await engine.applyDelivery(outcome, eventIDs: ids, webhook: webhook.name, deadLetter: true)
        forgetRefusals(ids, webhook: webhook.name)
        countDeadLettering(result)
        logger.error("webhook rejected the alert; events dead-lettered", metadata: [
            "webhook": "\(webhook.name)", "url": "\(redactedURL(webhook.url))", "events": "\(ids.count)",
            "event_ids": "\(ids.joined(separator: ","))", "answer": "\(reason)",
        ])
    }

    private func forgetRefusals(_ ids: [String], webhook: String) {
        for id in ids { lanes[webhook]?.refusals[id] = nil }
    }

    /// Schedules the lane's next try; returns the delay.
    @discardableResult
    private func backOff(_ name: String, retryAfter: Duration?) -> Duration {
        var lane = lanes[name] ?? Lane()
        lane.failures = min(lane.failures + 1, 1_000)
        let delay = max(backoff.delay(after: lane.failures), min(retryAfter ?? .zero, WebhookSender.retryAfterCap))
        lane.notBefore = clock.now + delay
        lanes[name] = lane
        return delay
    }
}
