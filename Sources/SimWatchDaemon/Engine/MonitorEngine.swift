import CurlHTTP
import Foundation
import Logging
import SimWatchAlerts
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor
import SimWatchState

/// The monitoring core: owns the state, turns poll results into events and the outbox.
///
/// Every mutation of the state happens on this actor. Polling (`PollCycle`), saving
/// (`StateStore` via `BlockingIO`) and delivery (`OutboxDelivery`) call into it.
public actor MonitorEngine {
    public private(set) var config: Config
    public private(set) var state = PersistentState()
    /// ICCIDs of the current configuration: answers for others (removed by a reload
    /// while their poll was under way) are dropped.
    private var configured: Set<String>
    package let store: StateStore
    package let logger: Logger
    package let metrics: (any EngineObserver)?
    package let now: @Sendable () -> Date
    private var warnedPlans: Set<String> = []
    private var lastSave = ContinuousClock.now
    /// Saves failed in a row; `/healthz` turns unhealthy at `HealthCheck.failedSavesLimit`.
    public private(set) var consecutiveSaveFailures = 0
    /// Held from `start()` for the engine's life: one process per state file.
    private var lock: StateLockHandle?
    /// Outbox ids as of the last save attempt: only these may be delivered, so an event
    /// reaches the state file before any webhook sees it.
    private var deliverable: Set<String> = []
    /// Events raised since the last save attempt.
    private var unsavedEvents = 0

    /// - Parameter now: the wall clock, injectable for tests.
    public init(
        config: Config, logger: Logger, metrics: (any EngineObserver)? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.config = config
        self.configured = Set(config.devices.map(\.iccid))
        self.metrics = metrics
        self.store = StateStore(path: config.stateFile, logger: logger)
        self.logger = logger
        self.now = now
    }

    // MARK: Start and reload

    /// Saves the state and lets go of the state file's lock: another engine may take it now.
    public func close() async {
        await save()
        lock = nil
    }

    /// Takes the state lock, loads the state file and saves it straight back, before any API call.
    ///
    /// The save proves the folder writable and makes a `state_reset` (for a corrupt file,
    /// set aside) and a newly assigned epoch durable before anything can be delivered.
    ///
    /// Throws `StateLockError` when another process holds the lock (exit 1),
    /// `StateFolderError` when the folder cannot be written (exit 78), and
    /// `StateLoadError` when the file exists but cannot be read at all.
    public func start() async throws {
        let result = try await BlockingIO.run { [store, now, lock] () throws -> (StateLockHandle, StateStore.LoadResult) in
            let held = try lock ?? StateLock.acquire(forStateFile: store.path)
            return (held, try store.load(now: now()))
        }
        lock = result.0
        switch result.1 {
        case .fresh:
            state = PersistentState(epoch: PersistentState.newEpoch())
            logger.info("no state file yet; the first cycle is a baseline", metadata: ["path": "\(config.stateFile)"])
        case .loaded(let loaded):
            state = loaded
            if state.epoch.isEmpty {
                // Written before epochs existed: one from now on, kept by every later save.
                state.epoch = PersistentState.newEpoch()
            }
            logger.info("state loaded", metadata: [
                "path": "\(config.stateFile)", "devices": "\(loaded.devices.count)", "outbox": "\(loaded.outbox.count)",
            ])
        case .reset(let corruptPath):
            state = PersistentState(epoch: PersistentState.newEpoch())
            raise([EventFactory.stateReset(epoch: state.epoch, cycle: state.cycle, corruptPath: corruptPath, at: now())])
        }
        state.prune(keeping: Set(config.devices.map(\.iccid)))
        let snapshot = state
        let clock = ContinuousClock()
        let started = clock.now
        do {
            try await BlockingIO.run { [store] () throws(StateSaveError) in try store.save(snapshot) }
            metrics?.recordStateSave(duration: clock.now - started, succeeded: true)
        } catch {
            let reason = error.code.map(StateFileSystem.errorTextWithName) ?? error.reason
            throw StateFolderError(folder: StateFileSystem.split(store.path).folder, reason: "\(error.step) failed: \(reason)")
        }
        lastSave = ContinuousClock.now
        unsavedEvents = 0
        deliverable = Set(state.outbox.map(\.event.id))
    }

    /// Applies a new configuration: new devices start from a baseline, removed ones leave,
    /// thresholds are re-evaluated against each device's last record.
    public func apply(_ newConfig: Config) {
        config = newConfig
        configured = Set(newConfig.devices.map(\.iccid))
        warnedPlans = []
        state.prune(keeping: Set(newConfig.devices.map(\.iccid)))
        let rules = DetectionRules(config: newConfig)
        var events: [Event] = []
        for device in newConfig.devices {
            guard var record = state.devices[device.iccid], let last = record.last, !record.notFound else { continue }
            let detection = Detector.detect(
                DetectionInput(device: device, previous: last, current: last, thresholdState: record.thresholds,
                               observation: record.observation, observedAt: now(), epoch: state.epoch),
                rules: rules)
            record.thresholds = detection.thresholdState
            state.devices[device.iccid] = record
            warnAboutPlans(detection.plansWithoutAllowance)
            events += detection.events
        }
        raise(events)
    }

    // MARK: Poll results

    /// Records one device's successful answer; returns the events it raised.
    @discardableResult
    public func recordUsage(_ usage: DeviceUsage, for device: DeviceEntry) -> [Event] {
        guard configured.contains(device.iccid) else { return [] }
        let at = now()
        var record = state.devices[device.iccid] ?? DeviceRecord()
        var previous = record.last
        if record.notFound {
            // Found again: a new baseline. A counter below the stored one means the
            // billing cycle turned while it was missing, so thresholds re-arm.
            if let last = record.last, Metric.allCases.contains(where: { metric in
                guard let old = last.counter(metric), let new = usage.counter(metric) else { return false }
                return new < old
            }) {
                record.thresholds = ThresholdState()
            }
            previous = nil
            record.notFound = false
        }
        let observation = record.observation.incrementedSaturating
        let detection = Detector.detect(
            DetectionInput(device: device, previous: previous, current: usage, thresholdState: record.thresholds,
                           observation: observation, observedAt: at, epoch: state.epoch),
            rules: DetectionRules(config: config))
        record.last = usage.keepingKnownValues(of: record.last)
        record.observedAt = at
        record.observation = observation
        record.thresholds = detection.thresholdState
        state.devices[device.iccid] = record
        warnAboutPlans(detection.plansWithoutAllowance)
        raise(detection.events)
        return detection.events
    }

    /// Records a 404 / 20000001 for a configured device: `device_not_found` once until it is found again.
    @discardableResult
    public func recordNotFound(_ device: DeviceEntry) -> [Event] {
        guard configured.contains(device.iccid) else { return [] }
        var record = state.devices[device.iccid] ?? DeviceRecord()
        guard !record.notFound else { return [] }
        record.notFound = true
        state.devices[device.iccid] = record
        let event = EventFactory.deviceNotFound(
            epoch: state.epoch, device: device, observation: record.observation, at: now()
        )
        raise([event])
        return [event]
    }

    /// Closes a cycle: counts it and raises `poll_failed` (once) or `poll_recovered`.
    public func finishCycle(failure: String?) -> [Event] {
        state.cycle = state.cycle.incrementedSaturating
        var events: [Event] = []
        if let failure {
            state.health.consecutiveFailedCycles = state.health.consecutiveFailedCycles.incrementedSaturating
            if !state.health.pollFailedRaised {
                state.health.pollFailedRaised = true
                events.append(EventFactory.pollFailed(epoch: state.epoch, cycle: state.cycle, reason: failure, at: now()))
            }
        } else {
            state.health.consecutiveFailedCycles = 0
            state.health.lastSuccessfulCycleAt = now()
            if state.health.pollFailedRaised {
                state.health.pollFailedRaised = false
                events.append(EventFactory.pollRecovered(epoch: state.epoch, cycle: state.cycle, at: now()))
            }
        }
        raise(events)
        return events
    }

    /// The number the next cycle will carry.
    public var nextCycleNumber: Int { state.cycle.incrementedSaturating }

    // MARK: Outbox

    /// Logs events and puts them in the outbox for every webhook that wants them.
    package func raise(_ events: [Event]) {
        guard !events.isEmpty else { return }
        for event in events { EventLog.log(event, to: logger) }
        metrics?.recordEvents(events)
        unsavedEvents += events.count
        let webhooks = config.webhooks
        state.enqueue(events, at: now()) { event in webhooks.filter { $0.accepts(event) }.map(\.name) }
    }

    /// Applies a delivery result to the outbox; the caller logs it.
    ///
    /// A 2xx ends the deliveries. Any other answer is an attempt; it dead-letters the
    /// events only when the lane says so (`deadLetter`: a 400/422 for the third time, a
    /// 413 for a single event), with the answer as the reason.
    @discardableResult
    func applyDelivery(_ outcome: DeliveryOutcome, eventIDs: [String], webhook: String, deadLetter: Bool = false) -> DeadLettering {
        switch outcome {
        case .delivered:
            state.markDelivered(eventIDs: eventIDs, webhook: webhook)
            return DeadLettering()
        case .retry(let reason, _), .rejected(let reason), .tooLarge(let reason):
            state.markAttempted(eventIDs: eventIDs, nextAttemptAt: nil)
            guard deadLetter else { return DeadLettering() }
            let before = state.deadLetters
            let letters = state.deadLetter(eventIDs: eventIDs, webhook: webhook, reason: reason, at: now())
            return DeadLettering(before: before, letters: letters, after: state.deadLetters)
        }
    }

    /// Saved outbox entries still pending for one webhook, oldest first.
    func pendingEntries(for webhook: String) -> [OutboxEntry] {
        state.outbox.filter { $0.pendingWebhooks.contains(webhook) && deliverable.contains($0.event.id) }
    }

    /// Saved events still waiting for any webhook.
    func pendingCount() -> Int {
        state.outbox.count { deliverable.contains($0.event.id) }
    }

    /// Dead-letters deliveries older than `delivery.max_age` that may expire; returns them.
    ///
    /// A delivery expires only once this process has tried it (`attempted`), or when its
    /// webhook is no longer configured (no lane will ever try it).
    @discardableResult
    func expireOldDeliveries(attempted: Set<DeliveryKey>) -> DeadLettering {
        let maxAge = config.delivery.maxAge
        let seconds = maxAge.seconds
        let webhooks = Set(config.webhooks.map(\.name))
        let before = state.deadLetters
        let letters = state.deadLetterExpired(
            maxAge: seconds, now: now(), reason: "not delivered within max_age \(HumanFormat.duration(maxAge))",
            mayExpire: { id, webhook in
                !webhooks.contains(webhook) || attempted.contains(DeliveryKey(eventID: id, webhook: webhook))
            })
        let result = DeadLettering(before: before, letters: letters, after: state.deadLetters)
        for letter in result.letters {
            logger.error("event expired undelivered; dead-lettered", metadata: [
                "webhook": "\(letter.webhook)", "event_id": "\(letter.event.id)", "kind": "\(letter.event.kind.rawValue)",
            ])
        }
        return result
    }

    // MARK: Saving

    /// Saves when new events wait (at most once a second) or the last save is 10 s old.
    public func checkpoint() async {
        let sinceLast = ContinuousClock.now - lastSave
        if sinceLast >= .seconds(10) || (unsavedEvents > 0 && sinceLast >= .seconds(1)) {
            await save()
        }
    }

    /// Saves the state now.
    ///
    /// A failed save is logged, counted and retried at the next call; the old file stays
    /// intact and monitoring goes on from memory. Its events are delivered all the same:
    /// an alert that may repeat after a crash beats one that never leaves. Three failures
    /// in a row make `/healthz` unhealthy, so someone looks at the disk.
    public func save() async {
        lastSave = ContinuousClock.now
        unsavedEvents = 0
        deliverable = Set(state.outbox.map(\.event.id))
        let snapshot = state
        if let metrics {
            metrics.setOutboxSize(snapshot.outbox.count)
            var queued: [String: Int] = [:]
            for entry in snapshot.outbox {
                for webhook in entry.pendingWebhooks { queued[webhook, default: 0] += 1 }
            }
            metrics.setQueued(queued, webhooks: config.webhooks.map(\.name))
        }
        let clock = ContinuousClock()
        let started = clock.now
        do {
            try await BlockingIO.run { [store] () throws(StateSaveError) in try store.save(snapshot) }
            if consecutiveSaveFailures > 0 {
                logger.info("state saved again", metadata: [
                    "path": "\(store.path)", "failed_before": "\(consecutiveSaveFailures)",
                ])
                consecutiveSaveFailures = 0
            }
            logger.debug("state saved", metadata: ["duration": "\(clock.now - started)"])
            metrics?.recordStateSave(duration: clock.now - started, succeeded: true)
        } catch {
            consecutiveSaveFailures = consecutiveSaveFailures.incrementedSaturating
            metrics?.recordStateSave(duration: clock.now - started, succeeded: false, failure: error.description)
            logger.error("state not saved; keeping it in memory and retrying at the next save", metadata: [
                "error": "\(error)", "failures_in_a_row": "\(consecutiveSaveFailures)",
            ])
        }
    }

    private func warnAboutPlans(_ plans: Set<PlanMetric>) {
        for plan in plans {
            let name = plan.ratePlan ?? "(none)"
            guard warnedPlans.insert(name).inserted else { continue }
            logger.warning("percent threshold skipped: the device's rate plan has no allowance in plans", metadata: [
                "rate_plan": "\(name)", "metric": "\(plan.metric.rawValue)",
            ])
        }
    }
}
