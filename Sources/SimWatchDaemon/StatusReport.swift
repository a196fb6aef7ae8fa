import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor
import SimWatchState

/// `simwatch status`: what the state file knows about each configured device.
public struct StatusReport: Sendable {
    /// One device's line.
    public struct Row: Sendable, Encodable, Equatable {
        public var iccid: String
        public var name: String?
        public var status: String?
        public var ratePlan: String?
        public var dataBytes: Int64?
        public var dataPercent: Double?
        public var sms: Int64?
        public var smsPercent: Double?
        public var voiceSeconds: Int64?
        public var voicePercent: Double?
        public var overageLimitReached: Bool?
        public var notFound: Bool
        public var observedAt: Date?
        public var thresholdsFired: [String]
        /// When the SIM's usage is next due for a poll; `nil`: at the next cycle (never polled yet).
        public var nextPollDue: Date?
        /// Share of the device's current billing cycle passed, in percent.
        public var cycleProgressPercent: Double? = nil
        public var cycleEndsAt: Date? = nil

        package enum CodingKeys: String, CodingKey {
            case iccid, name, status, sms
            case ratePlan = "rate_plan"
            case dataBytes = "data_bytes"
            case dataPercent = "data_percent"
            case smsPercent = "sms_percent"
            case voiceSeconds = "voice_seconds"
            case voicePercent = "voice_percent"
            case overageLimitReached = "overage_limit_reached"
            case notFound = "not_found"
            case observedAt = "observed_at"
            case thresholdsFired = "thresholds_fired"
            case cycleProgressPercent = "cycle_progress_percent"
            case cycleEndsAt = "cycle_ends_at"
            case nextPollDue = "next_poll_due"
        }

        // Written by hand so that a SIM never polled shows `"next_poll_due": null` rather than no key.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(iccid, forKey: .iccid)
            try container.encodeIfPresent(name, forKey: .name)
            try container.encodeIfPresent(status, forKey: .status)
            try container.encodeIfPresent(ratePlan, forKey: .ratePlan)
            try container.encodeIfPresent(dataBytes, forKey: .dataBytes)
            try container.encodeIfPresent(dataPercent, forKey: .dataPercent)
            try container.encodeIfPresent(sms, forKey: .sms)
            try container.encodeIfPresent(smsPercent, forKey: .smsPercent)
            try container.encodeIfPresent(voiceSeconds, forKey: .voiceSeconds)
            try container.encodeIfPresent(voicePercent, forKey: .voicePercent)
            try container.encodeIfPresent(overageLimitReached, forKey: .overageLimitReached)
            try container.encode(notFound, forKey: .notFound)
            try container.encodeIfPresent(observedAt, forKey: .observedAt)
            try container.encode(thresholdsFired, forKey: .thresholdsFired)
            try container.encode(nextPollDue, forKey: .nextPollDue)
            try container.encodeIfPresent(cycleProgressPercent, forKey: .cycleProgressPercent)
            try container.encodeIfPresent(cycleEndsAt, forKey: .cycleEndsAt)
        }
    }

    public var rows: [Row]
    public var outbox: Int
    public var deadLetters: Int
    public var lastSuccessfulCycleAt: Date?
    /// Names each row's cycle end in the billing zone.
    let billing: BillingCycle

    /// Builds the report for the SIMs the daemon usage-polls: the configured devices in
    /// configuration order, then (with discovery) the inventory's SIMs in `usage_statuses`.
    public init(config: Config, state: PersistentState, now: Date = Date()) {
        self.init(config: config, state: state, now: now, splitFrom: Self.splitFrom)
    }

    /// Fleets this large are reported in two halves at once (`SideThread`), on two cores.
    static var splitFrom: Int { SideThread.isWorthIt ? 4_096 : .max }

    /// Rows made in two halves at once from `splitFrom` devices on.
    init(config: Config, state: PersistentState, now: Date, splitFrom: Int) {
        let targets = FleetLedger.usageTargets(configured: config.devices, inventory: state.inventory, fleet: config.fleet)
        let maker = RowMaker(config: config, state: state, fleetSize: targets.count, now: now)
        billing = maker.billing
        rows = SideThread.map(count: targets.count, parallel: splitFrom < .max, minimum: splitFrom, state: maker) { maker, index in
            maker.row(for: targets[index])
        }
        outbox = state.outbox.count
        deadLetters = state.deadLetters.count
        lastSuccessfulCycleAt = state.health.lastSuccessfulCycleAt
    }

    /// Makes a device's row; a copy per thread, for its caches of plans and cycles.
    private struct RowMaker {
        let state: PersistentState
        let rules: DetectionRules
        let budget: Int
        let fleetSize: Int
        let poll: PollSettings
        let now: Date
        let billing: BillingCycle
        var cycles: CycleCache
        var plans: PlanCache

        init(config: Config, state: PersistentState, fleetSize: Int, now: Date) {
            self.state = state
            rules = DetectionRules(config: config)
            budget = PollBudget.pollsPerInterval(for: config)
            self.fleetSize = fleetSize
            poll = config.poll
            self.now = now
            billing = BillingCycle(config.billing)
            cycles = CycleCache(billing: billing, now: now)
            plans = PlanCache(plans: config.plans)
        }

        mutating func row(for device: DeviceEntry) -> Row {
            let record = state.devices[device.iccid]
            // The usage is read where it lies: copying it out would retain and release its strings.
            func row(_ usage: DeviceUsage?) -> Row {
                // A discovered SIM not polled yet shows what Search Devices listed; a polled one needs no look-up.
                let listed = usage?.status == nil || usage?.ratePlan == nil ? state.inventory[device.iccid] : nil
                let plan = usage?.ratePlan.flatMap { plans.allowance($0) }
                func percent(_ value: Int64?, _ metric: Metric) -> Double? {
                    guard let value, let allowance = plan?.allowance(for: metric), allowance > 0 else { return nil }
                    return (Double(value) / Double(allowance) * 1000).rounded() / 10
                }
                return Row(
                    iccid: device.iccid, name: device.name, status: usage?.status ?? listed?.status,
                    ratePlan: usage?.ratePlan ?? listed?.ratePlan,
                    dataBytes: usage?.ctdDataUsage, dataPercent: percent(usage?.counter(.data), .data),
                    sms: usage?.ctdSMSUsage, smsPercent: percent(usage?.counter(.sms), .sms),
                    voiceSeconds: usage?.ctdVoiceUsage, voicePercent: percent(usage?.counter(.voice), .voice),
                    overageLimitReached: usage?.overageLimitReached, notFound: record?.notFound ?? false,
                    observedAt: record?.observedAt, thresholdsFired: record.map { StatusReport.sorted($0.thresholds.fired) } ?? [],
                    nextPollDue: PollScheduler.nextDue(record, fleetSize: fleetSize, budget: budget, rules: rules, poll: poll))
            }
            var row = record?.withLast(row) ?? row(nil)
            // A device's cycle is the account's: the usage shown is of the cycle its last poll fell in.
            let cycle = cycles.period(containing: record?.observedAt)
            row.cycleProgressPercent = (cycle.progress(at: min(now, cycle.end)) * 1000).rounded() / 10
            row.cycleEndsAt = cycle.end
            return row
        }
    }

    /// Threshold keys in `String` order; ASCII keys (all that the configuration makes) on their bytes, the same order.
    static func sorted(_ keys: Set<String>) -> [String] {
        guard keys.count > 1 else { return Array(keys) }
        guard keys.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) else { return keys.sorted() }
        return keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

/// `simwatch status --dead-letters`: the deliveries simwatch gave up on, newest last.
public struct DeadLetterReport: Sendable {
    public var letters: [DeadLetter]

    public init(state: PersistentState) {
        letters = state.deadLetters
    }

    public func json() throws -> String {
        String(decoding: try JSONEncoder.simwatch(pretty: true).encode(letters), as: UTF8.self)
    }

    /// One line per dead letter: when, webhook, kind, ICCID, event id, why.
    public func table() -> String {
        guard !letters.isEmpty else { return "no dead letters: every alert was delivered or is still being tried" }
        let header = ["AT", "WEBHOOK", "KIND", "ICCID", "EVENT", "REASON"]
        let rows = letters.map { letter in
            [Timestamp.rfc3339(letter.at), letter.webhook, letter.event.kind.rawValue,
             letter.event.iccid ?? "-", letter.event.id, letter.reason]
        }
        let cleaned = rows.map { $0.map { TerminalText.clean($0) } }
        return alignedTable([header] + cleaned) + "\n\n\(letters.count) dead letters (the last 1,000 are kept)"
    }
}
