import Foundation
import Logging
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor
import SimWatchState

/// The monitoring core: one actor that serializes the parts that make up the state.
///
/// It composes, and adds nothing to their rules: the `DeviceLedger` and `CycleLedger`
/// (what an answer or a cycle means), the `Outbox` (what waits for which webhook) and the
/// `StateKeeper` (lock, save policy, failed saves). Every mutation happens here, so a
/// save's snapshot always holds a device's new observation together with its events.
public actor MonitorEngine {
    public private(set) var config: Config
    /// Devices, cycle count, health, epoch, inventory and feed; the outbox lives in `outbox`.
    var ledger = PersistentState()
    /// The fleet size budgeted polling last warned about (`max_interval` cannot cover it), so it warns once per size.
    var coverageWarnedFor: Int?
    package internal(set) var outbox = Outbox()
    /// The current configuration's devices by ICCID: answers for others (removed by a
    /// reload while their poll was under way) are dropped; listed SIMs take their names.
    var configured: ConfiguredDevices
    private var keeper: StateKeeper
    package let logger: Logger
    package let metrics: (any EngineObserver)?
    package let now: @Sendable () -> Date
    private var warnedPlans: Set<String> = []
    /// Silences (from the silences file) and maintenance windows (from the configuration).
    package var noise: NoiseFilter
    /// Built from `config` when first needed; a reload drops it.
    private var insightRules: InsightRules?
    /// When this engine was made: before any feed watermark, the feed starts here (minus the overlap).
    package let processStart: Date
    /// Why the last feed pass leaves the daemon blind (a 401, a failed discovery), until a pass succeeds.
    var feedFailure: String?
    /// Usage answers (records or 20000001) since the last cycle closed: they prove the credentials.
    var usageAnswers = 0
    /// Why the last closed cycle failed; `nil` when it succeeded.
    public private(set) var lastCycleFailure: String?

    /// - Parameters:
    ///   - now: the wall clock, injectable for tests.
    ///   - clock: the monotonic clock of the save policy, injectable for tests.
    public init(
        config: Config, logger: Logger, metrics: (any EngineObserver)? = nil, now: @escaping @Sendable () -> Date = { Date() },
        clock: MonotonicClock = .continuous
    ) {
        self.config = config
        self.configured = ConfiguredDevices(config.devices)
        self.noise = NoiseFilter(windows: config.maintenance)
        self.metrics = metrics
        self.keeper = StateKeeper(path: config.stateFile, logger: logger, observer: metrics, now: { clock.now })
        self.logger = logger
        self.now = now
        self.processStart = now()
    }

    /// Everything the state file holds, as the next save would write it.
    public var state: PersistentState {
        var state = ledger
        state.outbox = outbox.entries
        state.deadLetters = outbox.deadLetters
        return state
    }

    /// Saves failed in a row; `/healthz` turns unhealthy at `HealthCheck.failedSavesLimit`.
    public var consecutiveSaveFailures: Int { keeper.consecutiveFailures }

    // MARK: Start and reload

    /// Saves the state and lets go of the state file's lock: another engine may take it now.
    public func close() async {
        await save()
        keeper.release()
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
        // A copy: an access to `keeper` must not span a suspension, when `raise` may modify it.
        let reader = keeper
        let (handle, result) = try await reader.load(at: now(), knownICCIDs: configured.knownICCIDs)
        keeper.hold(handle)
        // Whether memory holds exactly the file just read: then the start need not rewrite it.
        var asRead = false
        switch result {
        case .fresh:
            load(PersistentState(epoch: PersistentState.newEpoch()))
            logger.info("no state file yet; the first cycle is a baseline", metadata: ["path": "\(config.stateFile)"])
        case .loaded(let loaded):
            var loaded = loaded
            if loaded.epoch.isEmpty {
                // Written before epochs existed: one from now on, kept by every later save.
                loaded.epoch = PersistentState.newEpoch()
            } else {
                asRead = true
            }
            load(loaded)
            logger.info("state loaded", metadata: [
                "path": "\(config.stateFile)", "devices": "\(loaded.devices.count)", "outbox": "\(loaded.outbox.count)",
                "inventory": "\(loaded.inventory.count)",
            ])
        case .reset(let corruptPath):
            load(PersistentState(epoch: PersistentState.newEpoch()))
            raise([EventFactory.stateReset(epoch: ledger.epoch, cycle: ledger.cycle, corruptPath: corruptPath, at: now())])
        }
        let kept = (ledger.devices.count, ledger.inventory.count)
        FleetLedger.prune(&ledger, isConfigured: configured.contains, fleet: config.fleet)
        asRead = asRead && kept == (ledger.devices.count, ledger.inventory.count)
        recordDeviceSamples()
        let started = keeper.starting()
        outbox.markSaved()
        let writer = keeper
        // A state as read is on disk already: a probe proves the folder writable in
        // microseconds where rewriting 100,000 devices takes a good part of a second.
        let error = asRead ? await writer.probe() : await writer.write(StateSnapshot(state))
        try keeper.proveWritable(started: started, error: error)
    }

    private func load(_ loaded: PersistentState) {
        outbox = Outbox(entries: loaded.outbox, deadLetters: loaded.deadLetters)
        ledger = loaded
        ledger.outbox = []
        ledger.deadLetters = []
    }

    /// Applies a new configuration: new devices start from a baseline, removed ones leave,
    /// thresholds are re-evaluated against each device's last record.
    public func apply(_ newConfig: Config) {
        config = newConfig
        configured = ConfiguredDevices(newConfig.devices)
        noise.windows = newConfig.maintenance
        warnedPlans = []
        insightRules = nil
        FleetLedger.prune(&ledger, isConfigured: configured.contains, fleet: newConfig.fleet)
        metrics?.retainDevices(Set(ledger.devices.keys))
        recordDeviceSamples()
        let rules = DetectionRules(config: newConfig)
        var events: [Event] = []
        for device in usageTargets() {
            guard var record = ledger.devices[device.iccid],
                  let detection = DeviceLedger.reevaluate(device: device, record: &record, at: now(), epoch: ledger.epoch, rules: rules)
            else { continue }
            ledger.devices[device.iccid] = record
            warnAboutPlans(detection.plansWithoutAllowance)
            events += detection.events
        }
        raise(events)
    }

    // MARK: Poll results

    /// Records one device's successful answer; returns the events it raised.
    @discardableResult
    public func recordUsage(_ usage: DeviceUsage, for device: DeviceEntry) -> [Event] {
        guard isWatched(device.iccid) else { return [] }
        usageAnswers = usageAnswers.incrementedSaturating
        var record = ledger.devices[device.iccid] ?? FleetLedger.firstRecord(iccid: device.iccid, entry: ledger.inventory[device.iccid])
        let before = record
        let detection = DeviceLedger.observeUsagePoll(
            usage.sharingStorage(with: device, previous: record.last), device: device, record: &record, at: now(),
            epoch: ledger.epoch, rules: DetectionRules(config: config))
        let insight = InsightLedger.observe(usage, device: device, before: before, detection: detection, record: &record,
                                            at: now(), epoch: ledger.epoch, rules: currentInsightRules())
        ledger.devices[device.iccid] = record
        if config.metrics?.perDevice == true, let sample = DeviceGauges.sample(device: device, record: record, plans: config.plans) {
            metrics?.recordDevice(sample)
        }
        warnAboutPlans(detection.plansWithoutAllowance)
        for event in detection.damped { EventLog.log(event, to: logger, damped: true) }
        raise(detection.events + insight)
        return detection.events + insight
    }

    /// Records a 404 / 20000001 for a configured device: `device_not_found` once until it is found again.
    @discardableResult
    public func recordNotFound(_ device: DeviceEntry) -> [Event] {
        guard isWatched(device.iccid) else { return [] }
        usageAnswers = usageAnswers.incrementedSaturating
        var record = ledger.devices[device.iccid] ?? FleetLedger.firstRecord(iccid: device.iccid, entry: ledger.inventory[device.iccid])
        let event = DeviceLedger.usagePollNotFound(device: device, record: &record, at: now(), epoch: ledger.epoch)
        ledger.devices[device.iccid] = record
        let events = event.map { [$0] } ?? []
        raise(events)
        return events
    }

    /// Closes a cycle: counts it and raises `poll_failed` (once) or `poll_recovered`.
    public func finishCycle(failure: String?) -> [Event] {
        // A feed pass refused with a 401, or a discovery that failed, fails the cycle unless
        // usage answers show polling works: then only Search Devices is refused (a role
        // problem the feed reports) and the configured devices are watched.
        let failure = failure ?? (usageAnswers == 0 ? feedFailure : nil)
        usageAnswers = 0
        lastCycleFailure = failure
        let settled = settleFlapping()
        // Locals: two `inout` accesses to parts of one actor property overlap at run time.
        var cycle = ledger.cycle
        var health = ledger.health
        let events = CycleLedger.finish(failure: failure, cycle: &cycle, health: &health, at: now(), epoch: ledger.epoch)
        ledger.cycle = cycle
        ledger.health = health
        ledger.activity.recordCycle(at: now())
        raise(events)
        return settled + events
    }

    /// Raises `flapping_ended` for every flapping device that has been stable long enough.
    private func settleFlapping() -> [Event] {
        let rules = DetectionRules(config: config)
        var events: [Event] = []
        for device in usageTargets() {
            guard var record = ledger.devices[device.iccid], record.flapping != nil else { continue }
            events += DeviceLedger.settleFlapping(device: device, record: &record, at: now(), epoch: ledger.epoch, rules: rules)
            ledger.devices[device.iccid] = record
        }
        raise(events)
        return events
    }

    /// The number the next cycle will carry.
    public var nextCycleNumber: Int { ledger.cycle.incrementedSaturating }

    /// A device's latest known record, for matching events against its status and plan.
    package func lastRecord(of iccid: String) -> DeviceUsage? { ledger.devices[iccid]?.last }

    /// The state file's epoch, for event ids made outside this file.
    package var epoch: String { ledger.epoch }

    /// Counts a failed device poll for the digest's `polls_failed`.
    public func recordPollFailure() {
        ledger.activity.recordFailedPoll(at: now())
    }

    // MARK: Digest

    /// When the last daily digest was raised (from the state file).
    public var lastDigestAt: Date? { ledger.activity.lastDigestAt }

    /// The digest of the state as it is now, without raising it (`simwatch digest --print`).
    public func digest() -> Event {
        DigestBuilder.event(state: ledger, config: config, at: now())
    }

    /// Raises the daily digest for the digest's webhooks only, and remembers it was sent.
    @discardableResult
    public func raiseDigest() -> Event {
        let event = digest()
        EventLog.log(event, to: logger)
        metrics?.recordEvents([event])
        let names = config.digestWebhooks
        outbox.enqueue([event], at: now()) { _ in names }
        keeper.noteEvents(1)
        ledger.activity.lastDigestAt = now()
        return event
    }

    // MARK: Outbox

    /// Logs events and puts them in the outbox for every webhook that wants them; a
    /// silenced event is logged and counted only (`admit`).
    package func raise(_ events: [Event]) {
        guard !events.isEmpty else { return }
        let admitted = admit(events)
        ledger.activity.record(events: events.map(\.kind).filter { $0 != .digest }, at: now())
        metrics?.recordEvents(events)
        guard !admitted.isEmpty else { return }
        let webhooks = config.webhooks
        let subjects = Dictionary(admitted.map { ($0.event.id, $0.subject) }, uniquingKeysWith: { first, _ in first })
        outbox.enqueue(admitted.map(\.event), at: now()) { event in
            let subject = subjects[event.id] ?? MatchSubject(event)
            return webhooks.filter { $0.accepts(event, subject) }.map(\.name)
        }
        keeper.noteEvents(admitted.count)
    }

    // MARK: Saving

    /// Saves when new events wait (at most once a second) or the last save is 10 s old.
    public func checkpoint() async {
        if keeper.isDue { await save() }
    }

    /// Saves the state now.
    ///
    /// A failed save is logged, counted and retried at the next call (`StateKeeper`); its
    /// events are delivered all the same: an alert that may repeat after a crash beats one
    /// that never leaves. Three failures in a row make `/healthz` unhealthy.
    public func save() async {
        let started = keeper.starting()
        outbox.markSaved()
        // A list of the records, not the ledger's dictionary: see `StateSnapshot`.
        let snapshot = StateSnapshot(state)
        if let metrics {
            metrics.setOutboxSize(snapshot.state.outbox.count)
            var queued: [String: Int] = [:]
            for entry in snapshot.state.outbox {
                for webhook in entry.pendingWebhooks { queued[webhook, default: 0] += 1 }
            }
            metrics.setQueued(queued, webhooks: config.webhooks.map(\.name))
        }
        // A copy: an access to `keeper` must not span a suspension, when `raise` may modify it.
        let writer = keeper
        let error = await writer.write(snapshot)
        keeper.finished(started: started, error: error)
    }

    /// The insight rules of the configuration, with the current billing cycle worked out.
    private func currentInsightRules() -> InsightRules {
        let at = now()
        if let rules = insightRules, rules.currentPeriod?.contains(at) == true { return rules }
        var rules = InsightRules(config: config)
        rules.currentPeriod = rules.billing.period(containing: at)
        insightRules = rules
        return rules
    }

    /// Hands every stored record to the per-device gauges: at start and after a reload
    /// (names, plans or `per_device` may have changed).
    private func recordDeviceSamples() {
        guard config.metrics?.perDevice == true, let metrics else { return }
        for device in usageTargets() {
            guard let record = ledger.devices[device.iccid],
                  let sample = DeviceGauges.sample(device: device, record: record, plans: config.plans) else { continue }
            metrics.recordDevice(sample)
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
