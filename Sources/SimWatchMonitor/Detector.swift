import Foundation
import SimWatchConfig
import SimWatchCore

/// The configured rules the Detector applies: thresholds and the plan allowances behind
/// percent thresholds.
public struct DetectionRules: Sendable, Equatable {
    public var thresholds: [Threshold]
    /// Allowances per rate plan name, exactly as Control Center spells `ratePlan`.
    public var plans: [String: PlanAllowance]
    /// Damping of flapping devices (`DeviceLedger`); `nil` when off.
    public var flapping: FlappingSettings?

    public init(thresholds: [Threshold] = [], plans: [String: PlanAllowance] = [:], flapping: FlappingSettings? = nil) {
        self.thresholds = thresholds
        self.plans = plans
        self.flapping = flapping
    }

    /// The rules of a loaded configuration.
    public init(config: Config) {
        self.init(thresholds: config.thresholds, plans: config.plans, flapping: config.flapping)
    }
}

/// One successful observation of one device, with what was known before it.
public struct DetectionInput: Sendable, Equatable {
    public var device: DeviceEntry
    /// The stored record, holding each field's last known value; `nil` makes this
    /// observation the device's baseline.
    public var previous: DeviceUsage?
    public var current: DeviceUsage
    /// Thresholds that already fired in the device's current billing cycle.
    public var thresholdState: ThresholdState
    /// The new observation number (the stored one plus one); it goes into every event id.
    public var observation: Int
    public var observedAt: Date
    /// The state file's epoch; it goes into every event id.
    public var epoch: String

    public init(
        device: DeviceEntry, previous: DeviceUsage?, current: DeviceUsage,
        thresholdState: ThresholdState = ThresholdState(), observation: Int, observedAt: Date, epoch: String
    ) {
        self.epoch = epoch
        self.device = device
        self.previous = previous
        self.current = current
        self.thresholdState = thresholdState
        self.observation = observation
        self.observedAt = observedAt
    }
}

/// A rate plan (as the device reported it) that lacks an allowance a percent threshold needs.
public struct PlanMetric: Sendable, Hashable {
    /// The device's rate plan; `nil` when Control Center reported none.
    public var ratePlan: String?
    public var metric: Metric

    public init(ratePlan: String?, metric: Metric) {
        self.ratePlan = ratePlan
        self.metric = metric
    }
}

/// What one observation produced.
public struct Detection: Sendable, Equatable {
    /// In a fixed order: changes, then `cycle_reset`, then thresholds in configuration order.
    public var events: [Event]
    /// The state to store with the new record.
    public var thresholdState: ThresholdState
    /// Percent thresholds that could not be evaluated; the caller logs one warning per plan name.
    public var plansWithoutAllowance: Set<PlanMetric>
    /// Changes of a flapping field, held back from `events`: the caller logs them only.
    public var damped: [Event] = []

    public init(events: [Event], thresholdState: ThresholdState, plansWithoutAllowance: Set<PlanMetric> = []) {
        self.events = events
        self.thresholdState = thresholdState
        self.plansWithoutAllowance = plansWithoutAllowance
    }
}

/// Turns one observation into events: a pure function of its input, with no I/O or clock.
///
/// Rules (DESIGN.md, "Events" and "Precise rules"): the first observation is a baseline
/// with no change events, but thresholds fire; an unknown value (`nil`, or an empty
/// string) is never a change, a drop or a crossing; any counter going down starts a new
/// billing cycle and re-arms every threshold within the same observation.
public enum Detector {
    /// Statuses after which the SIM no longer works: their arrival is critical.
    static let terminalStatuses: Set<String> = [
        KnownSIMStatus.deactivated.rawValue, KnownSIMStatus.retired.rawValue, KnownSIMStatus.purged.rawValue,
    ]

    /// Detects the events of one observation.
    public static func detect(_ input: DetectionInput, rules: DetectionRules) -> Detection {
        let context = DeviceEventContext(
            epoch: input.epoch, device: input.device, record: input.current,
            observation: input.observation, observedAt: input.observedAt
        )
        var events: [Event] = []
        var thresholdState = input.thresholdState
        if let previous = input.previous {
            events += changes(from: previous, to: input.current, context)
            if let reset = cycleReset(from: previous, to: input.current, context) {
                events.append(reset)
                thresholdState.fired.removeAll()
            }
        }
        let crossings = thresholdCrossings(input, rules: rules, state: &thresholdState, context)
        events += crossings.events
        return Detection(
            events: events, thresholdState: thresholdState,
            plansWithoutAllowance: crossings.plansWithoutAllowance
        )
    }

    /// The change kinds, in DESIGN.md's table order.
    package static func changes(from previous: DeviceUsage, to current: DeviceUsage, _ context: DeviceEventContext) -> [Event] {
        var events: [Event] = []
        if let (old, new) = changed(previous.status, current.status) {
            let severity: Severity = terminalStatuses.contains(new) ? .critical : .warning
            events.append(context.event(
                .statusChanged, severity, detail: "status \(old) -> \(new)",
                previous: .string(old), current: .string(new)
            ))
        }
        if let old = previous.overageLimitReached, let new = current.overageLimitReached, old != new {
            events.append(context.event(
                .overageLimitChanged, new ? .critical : .info,
                detail: new ? "overage limit reached" : "overage limit cleared",
                previous: .bool(old), current: .bool(new)
            ))
        }
        if let (old, new) = changed(previous.overageLimitOverride, current.overageLimitOverride) {
            events.append(context.event(
                .overageOverrideChanged, .info, detail: "overage override \(old) -> \(new)",
                previous: .string(old), current: .string(new)
            ))
        }
        if let (old, new) = changed(previous.ratePlan, current.ratePlan) {
            events.append(context.event(
                .ratePlanChanged, .info, detail: "rate plan \(old) -> \(new)",
                previous: .string(old), current: .string(new)
            ))
        }
        if let (old, new) = changed(previous.communicationPlan, current.communicationPlan) {
            events.append(context.event(
                .communicationPlanChanged, .info, detail: "communication plan \(old) -> \(new)",
                previous: .string(old), current: .string(new)
            ))
        }
        if let (old, new) = changed(previous.imei, current.imei) {
            events.append(context.event(
                .imeiChanged, .critical, detail: "IMEI \(old) -> \(new) (SIM moved to another device)",
                previous: .string(old), current: .string(new)
            ))
        }
        return events
    }

    /// `cycle_reset` when any counter went down, naming the first one in metric order.
    package static func cycleReset(from previous: DeviceUsage, to current: DeviceUsage, _ context: DeviceEventContext) -> Event? {
        for metric in Metric.allCases {
            guard let old = previous.counter(metric), let new = current.counter(metric), new < old else { continue }
            return context.event(
                .cycleReset, .info,
                detail: "new billing cycle (\(describe(old, of: metric)) -> \(HumanFormat.value(new, of: metric)))",
                previous: .number(old), current: .number(new), metric: metric
            )
        }
        return nil
    }

    /// Both values when both are known and they differ.
    package static func changed(_ previous: String?, _ current: String?) -> (String, String)? {
        guard let old = known(previous), let new = known(current), old != new else { return nil }
        return (old, new)
    }

    /// A string field's value, `nil` when it is missing or empty (`imei: ""` means unknown).
    package static func known(_ value: String?) -> String? {
        guard let value else { return nil }
        // Every poll asks this of every field: a visible ASCII first byte (the usual case)
        // settles it without walking the string's Characters.
        if let first = value.utf8.first, first > 0x20, first < 0x7F { return value }
        return value.allSatisfy(\.isWhitespace) ? nil : value
    }

    /// `data 1.2 GB`, `voice 5m`, `12 SMS`, `3 sessions`: the unit names count metrics already.
    package static func describe(_ value: Int64, of metric: Metric) -> String {
        switch metric {
        case .data, .voice: "\(metric.rawValue) \(HumanFormat.value(value, of: metric))"
        case .sms, .sessions: HumanFormat.value(value, of: metric)
        }
    }
}
