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
///
/// A lane gets what it needs passed in: the configuration as a snapshot (`apply(_:)` on
/// reload) and the outbox through `DeliveryOutbox`; it never reads the engine.
public actor OutboxDelivery {
    private let outbox: any DeliveryOutbox
    /// The configuration snapshot the lanes follow; a reload replaces it.
    private var config: Config
    /// Each webhook's formatter, built once per configuration load (templates compiled at load).
    private var formatters: [String: any WebhookFormatter]
    private let http: any HTTPClient
    private let logger: Logger
    private let backoff: RetryPolicy
    public let counters: DeliveryCounters
    private var lanes: [String: Lane] = [:]
    /// Webhooks whose lane loop runs; a loop ends when a reload removes its webhook.
    private var running: Set<String> = []
    /// Paces the lanes (group_wait ticks, backoff, max_rate); injectable for tests.
    package let clock: MonotonicClock

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

    package init(
        outbox: any DeliveryOutbox, config: Config, http: any HTTPClient, logger: Logger,
        counters: DeliveryCounters = DeliveryCounters(),
        backoff: RetryPolicy = RetryPolicy(attempts: .max, baseDelay: .seconds(1), maxDelay: .seconds(300), jitter: 0.2),
        clock: MonotonicClock = .continuous
    ) {
        self.clock = clock
        self.outbox = outbox
        self.config = config
        self.formatters = Self.formatters(for: config)
        self.http = http
        self.logger = logger
        self.counters = counters
        self.backoff = backoff
    }

    /// Follows a reloaded configuration: lanes of removed webhooks end, new ones start.
    public func apply(_ newConfig: Config) {
        config = newConfig
        formatters = Self.formatters(for: newConfig)
    }

    private static func formatters(for config: Config) -> [String: any WebhookFormatter] {
        Dictionary(config.webhooks.map { ($0.name, $0.formatter()) }, uniquingKeysWith: { first, _ in first })
    }

    /// Ends the wait for `group_wait`: what is pending goes out as soon as each lane may send.
    public func flush() {
        for webhook in config.webhooks {
            lanes[webhook.name, default: Lane()].flush = true
        }
    }

    /// Runs every lane until the task is cancelled (`simwatch run`).
    public func run(tick: Duration = .milliseconds(200)) async {
        await withTaskGroup(of: Void.self) { group in
            while !Task.isCancelled {
                await expire()
                for webhook in config.webhooks where !running.contains(webhook.name) {
                    running.insert(webhook.name)
                    group.addTask { await self.laneLoop(webhook.name, tick: tick) }
                }
                try? await clock.sleep(for: .seconds(1))
            }
            group.cancelAll()
        }
    }

    /// Delivers until nothing is pending or `budget` runs out (`simwatch once`); returns what is left.
    public func drain(within budget: Duration) async -> Int {
        let deadline = clock.now + budget
        flush()
        await expire()
        while !Task.isCancelled {
            let webhooks = config.webhooks.map(\.name)
            await withTaskGroup(of: Void.self) { group in
                for name in webhooks { group.addTask { _ = await self.attempt(name) } }
            }
            // What was just tried once may now expire.
            await expire()
            let pending = await outbox.pendingCount()
            guard pending > 0, clock.now < deadline else { return pending }
            let wake = lanes.values.compactMap(\.notBefore).filter { $0 > clock.now }.min() ?? clock.now + .milliseconds(100)
            guard wake < deadline else { return pending }
            try? await clock.sleep(until: wake)
        }
        return await outbox.pendingCount()
    }

    /// Dead-letters what `max_age` gives up on, and forgets refusals of events that left.
    package func expire() async {
        countDeadLettering(await outbox.expire(maxAge: config.delivery.maxAge, webhooks: Set(config.webhooks.map(\.name))))
        for (name, lane) in lanes where !lane.refusals.isEmpty {
            // Refusals of events that no longer wait for this webhook are forgotten.
            let ids = Set(await outbox.pendingEntries(for: name).map(\.event.id))
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
            guard config.webhooks.contains(where: { $0.name == name }) else {
                lanes[name] = nil
                running.remove(name)
                return
            }
            if await !attempt(name) {
                try? await clock.sleep(for: tick)
            }
        }
    }

    /// Sends what is due for one webhook; returns whether it sent anything.
    package func attempt(_ name: String) async -> Bool {
        if lanes[name] == nil { lanes[name] = Lane() }
        guard lanes[name]?.busy == false else { return false }
        lanes[name]?.busy = true
        defer { lanes[name]?.busy = false }
        guard let webhook = config.webhooks.first(where: { $0.name == name }) else { return false }
        if let notBefore = lanes[name]?.notBefore, clock.now < notBefore { return false }
        let pending = await outbox.pendingEntries(for: name)
        guard let oldest = pending.first else {
            // A flush covers what was pending when the cycle ended, not the next cycle's events.
            lanes[name]?.flush = false
            return false
        }
        let groupWait = config.delivery.groupWait
        // The state file may hold any date: bound the age before it becomes an Int64.
        let age = outbox.now().timeIntervalSince(oldest.enqueuedAt)
        let waited = Duration.milliseconds(Int64(age.isFinite ? min(max(0, age), 1e12) * 1000 : 0))
        let lane = lanes[name] ?? Lane()
        // A retry does not wait for group_wait again: the batch was due already.
        guard lane.flush || lane.failures > 0 || waited >= groupWait else { return false }
        lanes[name]?.flush = false
        await send(pending.map(\.event), to: webhook)
        return true
    }

    private func send(_ events: [Event], to webhook: WebhookSettings) async {
        let formatter = formatters[webhook.name] ?? webhook.formatter()
        var queue: [WebhookPayload]
        do {
            queue = try formatter.payloads(for: events)
        } catch {
            logger.error("cannot format alerts for webhook; they stay in the outbox", metadata: [
                "webhook": "\(webhook.name)", "error": "\(error)",
            ])
            // A try all the same: a format that can never work must not keep them forever.
            await outbox.markTried(events.map(\.id), webhook: webhook.name)
            backOff(webhook.name, retryAfter: nil)
            return
        }
        let byID = Dictionary(events.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let sender = WebhookSender(webhook: webhook, http: http)
        let spacing = Self.spacing(maxRate: config.delivery.maxRate)
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
            await outbox.markTried(payload.eventIDs, webhook: webhook.name)
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
                _ = await outbox.applyDelivery(outcome, eventIDs: payload.eventIDs, webhook: webhook.name, deadLetter: false)
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

    /// Applies, counts and logs an answer; returns whether to go on with the batch's next message.
    private func apply(_ outcome: DeliveryOutcome, to ids: [String], webhook: WebhookSettings) async -> Bool {
        switch outcome {
        case .delivered(let status):
            _ = await outbox.applyDelivery(outcome, eventIDs: ids, webhook: webhook.name, deadLetter: false)
            lanes[webhook.name]?.failures = 0
            lanes[webhook.name]?.notBefore = nil
            forgetRefusals(ids, webhook: webhook.name)
            counters.add(.delivered, events: ids.count, webhook: webhook.name)
            logger.info("alert delivered", metadata: [
                "webhook": "\(webhook.name)", "events": "\(ids.count)", "status": "\(status)",
            ])
            return true
        case .retry(let reason, let retryAfter):
            _ = await outbox.applyDelivery(outcome, eventIDs: ids, webhook: webhook.name, deadLetter: false)
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
            _ = await outbox.applyDelivery(outcome, eventIDs: again, webhook: webhook.name, deadLetter: false)
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
        let result = await outbox.applyDelivery(outcome, eventIDs: ids, webhook: webhook.name, deadLetter: true)
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
