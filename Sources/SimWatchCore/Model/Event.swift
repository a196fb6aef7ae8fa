import Foundation

/// What happened; the `kind` of an event as DESIGN.md's table lists it.
public enum EventKind: String, Codable, Sendable, CaseIterable, Hashable {
    case statusChanged = "status_changed"
    case overageLimitChanged = "overage_limit_changed"
    case overageOverrideChanged = "overage_override_changed"
    case thresholdCrossed = "threshold_crossed"
    case ratePlanChanged = "rate_plan_changed"
    case communicationPlanChanged = "communication_plan_changed"
    case imeiChanged = "imei_changed"
    case cycleReset = "cycle_reset"
    case deviceNotFound = "device_not_found"
    /// The change feed lists a SIM that was not in the account's inventory before.
    case deviceDiscovered = "device_discovered"
    case pollFailed = "poll_failed"
    case pollRecovered = "poll_recovered"
    case stateReset = "state_reset"
    /// A device's status or overage flag changed `flapping.changes` times within `flapping.within`.
    case flapping
    /// A flapping device has been stable for `flapping.within` again.
    case flappingEnded = "flapping_ended"
    /// Sent by `simwatch test-alert` only.
    case test
}

/// How urgent an event is; ordered `info < warning < critical`.
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable, Hashable {
    case info
    case warning
    case critical

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// The `previous` / `current` value of a change: a string, a boolean or a number.
public enum EventValue: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    case string(String)
    case bool(Bool)
    case number(Int64)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .number(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .string(let value): value
        case .bool(let value): String(value)
        case .number(let value): String(value)
        }
    }
}

/// One detected event, as stored in the outbox and posted to webhooks.
///
/// Encodes with DESIGN.md's snake_case keys (the generic webhook payload).
public struct Event: Codable, Sendable, Equatable, Hashable, Identifiable {
    /// First 16 hex digits of SHA-256 over the state file's epoch and the transition; stable across redelivery.
    public var id: String
    public var kind: EventKind
    public var severity: Severity
    /// The device's ICCID; `nil` for daemon-level events.
    public var iccid: String?
    public var deviceName: String?
    public var labels: [String: String]?
    public var observedAt: Date
    /// One line for people: `truck-17 (8988…): status ACTIVATED -> DEACTIVATED`.
    public var summary: String
    public var previous: EventValue?
    public var current: EventValue?
    /// The metric of a threshold or the first dropped counter of a cycle reset.
    public var metric: Metric?
    /// Threshold in base units (bytes, count, seconds).
    public var threshold: Int64?
    /// Observed value in base units.
    public var value: Int64?
    public var thresholdPercent: Double?
    public var percentOfPlan: Double?
    /// The record that was observed, when there is one.
    public var device: DeviceUsage?
    /// `flapping`: how many changes were counted within `within`.
    public var changes: Int?
    /// `flapping`: the window the changes were counted in, in seconds.
    public var within: Int64?

    public init(
        id: String, kind: EventKind, severity: Severity, iccid: String? = nil,
        deviceName: String? = nil, labels: [String: String]? = nil, observedAt: Date,
        summary: String, previous: EventValue? = nil, current: EventValue? = nil,
        metric: Metric? = nil, threshold: Int64? = nil, value: Int64? = nil,
        thresholdPercent: Double? = nil, percentOfPlan: Double? = nil, device: DeviceUsage? = nil
    ) {
        self.id = id
        self.kind = kind
        self.severity = severity
        self.iccid = iccid
        self.deviceName = deviceName
        self.labels = labels
        self.observedAt = observedAt
        self.summary = summary
        self.previous = previous
        self.current = current
        self.metric = metric
        self.threshold = threshold
        self.value = value
        self.thresholdPercent = thresholdPercent
        self.percentOfPlan = percentOfPlan
        self.device = device
    }

    package enum CodingKeys: String, CodingKey {
        case id, kind, severity, iccid, labels, summary, previous, current, metric, threshold, value, device
        case changes, within
        case deviceName = "device_name"
        case observedAt = "observed_at"
        case thresholdPercent = "threshold_percent"
        case percentOfPlan = "percent_of_plan"
    }
}
