import Foundation
import SimWatchConfig
import SimWatchControlCenter
import SimWatchCore
import SimWatchMonitor
import SimWatchState
import Simulator

/// How a run chooses each cycle's usage polls.
enum PollingMode: String, CaseIterable {
    /// Every SIM every cycle, in order, as fast as the limiter allows: simwatch before budgets.
    case roundRobin = "round robin"
    /// `PollScheduler` within `PollBudget`'s budget.
    case budgeted
}

/// One simulated day (plus warm-up) of the daemon's polling against an in-process simulator,
/// on virtual time: the real limiter, scheduler and rules, with the cycle and feed loops
/// laid out as `PollCycle` and the change feed lay them out.
final class ScheduleRun {
    let mode: PollingMode
    let settings: ScheduleBenchSettings
    let time = VirtualClock()
    let simulator: ControlCenterSimulator
    let limiter: AccountLimiter<MonotonicClock>
    let rules: DetectionRules
    /// Wall-clock time at the simulation's start, for records and modification times.
    static let wallOrigin = Date(timeIntervalSince1970: 1_800_000_000)
    static let epoch = "bench"

    /// What the daemon's engine holds, as it holds it: usage records, the inventory, the feed's watermark.
    private var records: [String: DeviceRecord] = [:]
    private var inventory: [String: InventoryEntry] = [:]
    private var feed = FeedState()
    /// Discovery with every status usage-polled: the whole 100,000 on the budget.
    private let fleet = FleetSettings(discover: true, usageStatuses: KnownSIMStatus.allCases.map(\.rawValue))
    /// Every API call's start, nanoseconds since the origin, in order.
    private(set) var starts: [Int64] = []
    /// Calls started in the measured window, by endpoint.
    private(set) var usageCallsMeasured = 0
    private(set) var searchCallsMeasured = 0
    /// Calls started in each hour of the measured window, both endpoints together.
    private(set) var callsPerHour: [Int] = []
    private var lastPolled: [String: Duration] = [:]
    private(set) var longestUnpolled: Duration = .zero
    private(set) var crossingDetected: [String: Duration] = [:]
    /// Status changes in the measured window: when they happened and when an event reported them.
    private(set) var statusChanges: [(at: Duration, detected: Duration?, counted: Bool)] = []
    /// Status changes undone by the next change before any feed pass or poll could see them.
    private(set) var revertedUnseen = 0
    private var pendingChanges: [String: [Int]] = [:]

    init(mode: PollingMode, settings: ScheduleBenchSettings) {
        self.mode = mode
        self.settings = settings
        self.rules = settings.rules
        let time = self.time
        simulator = ControlCenterSimulator(
            deviceCount: settings.devices, seed: settings.seed, clock: UsageClock { time.elapsed },
            dateClock: SimulatorDateClock { Self.wallOrigin.addingTimeInterval(time.elapsed.seconds) },
            usageMix: .heavyTailed, churn: ChurnSettings(changesPerTick: 1, weights: .statusOnly, seed: settings.seed),
            requestLogLimit: 1)
        limiter = AccountLimiter(rate: settings.rateLimit, concurrency: 1, clock: time.clock)
        callsPerHour = Array(repeating: 0, count: Int((settings.measured.seconds / 3600).rounded(.up)))
    }

    private var measuredFrom: Duration { settings.warmUp }
    private var end: Duration { settings.warmUp + settings.measured }
    /// Runs on after the window, so that what happened near its end can still be reported.
    var drain: Duration { .seconds(2 * 3600) }
    private func wall(_ at: Duration) -> Date { Self.wallOrigin.addingTimeInterval(at.seconds) }

    /// The fleet as the simulator holds it at the start, for the ground truth.
    func fleetAtStart() async -> [SimulatedDevice] { await simulator.allDevices() }

    /// Discovery, then cycles, feed passes and status churn until the end of the measured window.
    func run() async throws {
        for iccid in await simulator.iccids { lastPolled[iccid] = .zero }
        // Discovery: the whole account listed once (the feed's first window); every SIM starts as a baseline.
        try await feedPass()
        var nextFeed = time.now + settings.changesEvery
        var nextChurn = time.origin + settings.churnEvery
        let stop = time.origin + end + drain
        var cycleStart = time.now
        var plan = makePlan()
        var index = 0
        while time.now < stop {
            let now = time.now
            let spacing = plan.isEmpty ? settings.interval : settings.interval / plan.count
            let pollAt = index < plan.count ? cycleStart + spacing * index : cycleStart + settings.interval
            // Whatever is due runs now; ties go churn, feed, poll.
            let churnAt = max(nextChurn, now), feedAt = max(nextFeed, now), nextPoll = max(pollAt, now)
            let next = min(churnAt, feedAt, nextPoll)
            guard next < stop else { break }
            time.jump(to: next)
            if next == churnAt {
                await churn()
                nextChurn += settings.churnEvery
            } else if next == feedAt {
                try await feedPass()
                nextFeed = next + settings.changesEvery
            } else if index == plan.count {
                cycleStart = time.now
                plan = makePlan()
                index = 0
            } else {
                try await pollUsage(plan[index])
                index += 1
            }
        }
        for last in lastPolled.values { longestUnpolled = max(longestUnpolled, end - last) }
    }

    /// The usage targets, listed again only when the inventory grew: with every status
    /// usage-polled, a status change never changes the list, and sorting 100,000 ICCIDs
    /// every cycle would measure the benchmark rather than the scheduler.
    private var targets: (count: Int, list: [DeviceEntry]) = (-1, [])

    private func makePlan() -> [DeviceEntry] {
        if targets.count != inventory.count {
            targets = (inventory.count, FleetLedger.usageTargets(configured: [], inventory: inventory, fleet: fleet))
        }
        let targets = targets.list
        switch mode {
        case .roundRobin:
            return targets
        case .budgeted:
            let budget = PollBudget.pollsPerInterval(
                rateLimit: settings.rateLimit, interval: settings.interval,
                feedCallsPerInterval: settings.feedCallsPerInterval)
            return PollScheduler.plan(
                targets: targets, records: records, rules: rules, poll: settings.poll, budget: budget,
                now: wall(time.elapsed)
            ).devices
        }
    }

    /// One call through the account's limiter; returns when it started.
    private func call<T>(search: Bool, _ body: () async -> T) async throws -> (T, Duration) {
        try await limiter.acquire()
        let at = time.elapsed
        let answer = await body()
        limiter.release()
        starts.append(Int64(at.seconds * 1e9))
        if at >= measuredFrom, at < end {
            if search { searchCallsMeasured += 1 } else { usageCallsMeasured += 1 }
            callsPerHour[min(Int((at - measuredFrom).seconds / 3600), callsPerHour.count - 1)] += 1
        }
        return (answer, at)
    }

    private func pollUsage(_ device: DeviceEntry) async throws {
        let (answer, at) = try await call(search: false) { await simulator.device(device.iccid) }
        var record = records[device.iccid] ?? FleetLedger.firstRecord(iccid: device.iccid, entry: inventory[device.iccid])
        if let answer {
            let detection = DeviceLedger.observeUsagePoll(
                DeviceUsage(simulated: answer), device: device, record: &record, at: wall(at), epoch: Self.epoch,
                rules: rules)
            note(detection.events, at: at)
        } else {
            _ = DeviceLedger.usagePollNotFound(device: device, record: &record, at: wall(at), epoch: Self.epoch)
        }
        records[device.iccid] = record
        guard at < end else { return }
        let previous = lastPolled[device.iccid] ?? .zero
        if at >= measuredFrom { longestUnpolled = max(longestUnpolled, at - previous) }
        lastPolled[device.iccid] = at
    }

    /// A feed pass with the feed's own rules (`FeedWindow`, `FleetLedger`): the whole
    /// account the first time, then the changes since the last pass's start minus 5 minutes.
    private func feedPass() async throws {
        let startedAt = wall(time.elapsed)
        let window = FeedWindow.next(feed: feed, discover: true, processStart: Self.wallOrigin, now: startedAt)
        var pageNumber = 1
        while true {
            let query = SearchDevicesQuery(modifiedSince: window.modifiedSince, pageSize: 50, pageNumber: pageNumber)
            let (page, at) = try await call(search: true) { await simulator.searchDevices(query) }
            for listed in page.devices {
                var record = records[listed.iccid]
                var entry = inventory[listed.iccid]
                let events = FleetLedger.observe(
                    ListedDevice(
                        iccid: listed.iccid, status: listed.status, ratePlan: listed.ratePlan,
                        communicationPlan: listed.communicationPlan),
                    device: DeviceEntry(iccid: listed.iccid), record: &record, entry: &entry, first: window.firstListing,
                    at: wall(at), epoch: Self.epoch)
                if let record { records[listed.iccid] = record }
                inventory[listed.iccid] = entry
                note(events, at: at)
            }
            if page.lastPage || page.devices.isEmpty { break }
            pageNumber += 1
        }
        feed = window.completed(feed, startedAt: startedAt)
    }

    private func churn() async {
        let at = time.elapsed
        for change in await simulator.tick() where change.field == "status" && at >= measuredFrom && at < end {
            // Flipped back before anything reported the first flip: no poll can see either.
            if let unseen = pendingChanges.removeValue(forKey: change.iccid) {
                revertedUnseen += unseen.count + 1
                for index in unseen { statusChanges[index].counted = false }
                continue
            }
            pendingChanges[change.iccid, default: []].append(statusChanges.count)
            statusChanges.append((at, nil, true))
        }
    }

    private func note(_ events: [Event], at: Duration) {
        for event in events {
            guard let iccid = event.iccid else { continue }
            switch event.kind {
            case .thresholdCrossed:
                guard let level = event.threshold else { continue }
                let key = CrossingTruth.key(iccid, level)
                if crossingDetected[key] == nil { crossingDetected[key] = at }
            case .statusChanged:
                for index in pendingChanges.removeValue(forKey: iccid) ?? [] { statusChanges[index].detected = at }
            default:
                continue
            }
        }
    }
}
