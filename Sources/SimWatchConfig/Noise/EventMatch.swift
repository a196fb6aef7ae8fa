import SimWatchCore

/// A `match:` of DESIGN.md: conditions on an event and its device that must all hold.
///
/// Webhooks (routing), silences and maintenance windows share it. Each key names a
/// field; its values are exact strings and any one of them satisfies the key, except
/// `severity`, which means "at least" the lowest value listed.
public struct EventMatch: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// One matchable field.
    public enum Key: Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
        case iccid
        /// The device's configured name.
        case device
        case kind
        /// At least this severity.
        case severity
        case ratePlan
        /// The device's current status.
        case status
        case label(String)

        /// The plain key names, for messages; `label.NAME` comes on top.
        public static let names = ["iccid", "device", "kind", "severity", "rate_plan", "status"]
        /// Labels are names as written in the configuration: bounded, so a key stays printable.
        static let maxLabelLength = 100

        /// `iccid`, `label.site`, …: the key as written, or a message saying what is expected.
        public static func parse(_ text: String) -> Result<Key, MatchProblem> {
            switch text {
            case "iccid": return .success(.iccid)
            case "device": return .success(.device)
            case "kind": return .success(.kind)
            case "severity": return .success(.severity)
            case "rate_plan": return .success(.ratePlan)
            case "status": return .success(.status)
            default:
                if text.hasPrefix("label.") {
                    let name = text.dropFirst("label.".count)
                    guard !name.isEmpty, name.count <= maxLabelLength else {
                        return .failure(MatchProblem("label.NAME needs a label name of 1 to \(maxLabelLength) characters"))
                    }
                    return .success(.label(String(name)))
                }
                return .failure(MatchProblem(
                    "unknown match key; expected one of \(names.joined(separator: ", ")) or label.NAME"))
            }
        }

        public var description: String {
            switch self {
            case .iccid: "iccid"
            case .device: "device"
            case .kind: "kind"
            case .severity: "severity"
            case .ratePlan: "rate_plan"
            case .status: "status"
            case .label(let name): "label.\(name)"
            }
        }

        public static func < (lhs: Key, rhs: Key) -> Bool { lhs.description < rhs.description }
    }

    /// Values per key; a key with several values holds when any one does.
    public private(set) var conditions: [Key: Set<String>]

    /// A match of these conditions; `kind` and `severity` values must already be valid names.
    public init(_ conditions: [Key: Set<String>] = [:]) {
        self.conditions = conditions.filter { !$0.value.isEmpty }
    }

    /// Whether every condition holds for `subject`.
    public func matches(_ subject: MatchSubject) -> Bool {
        conditions.allSatisfy { key, values in Self.holds(key, values, subject) }
    }

    /// `matches`, for silences and maintenance windows: a daemon-level event (`poll_failed`,
    /// `poll_recovered`, `state_reset`) is silenced only by a match that names its kind.
    public func silences(_ subject: MatchSubject) -> Bool {
        if subject.kind.isDaemonLevel, conditions[.kind]?.contains(subject.kind.rawValue) != true { return false }
        return matches(subject)
    }

    /// The kinds this match lets through, `nil` when it does not name any.
    public var kinds: Set<EventKind>? {
        conditions[.kind].map { Set($0.compactMap(EventKind.init(rawValue:))) }
    }

    /// The lowest severity this match lets through.
    public var minimumSeverity: Severity {
        conditions[.severity]?.compactMap(Severity.init(rawValue:)).min() ?? .info
    }

    /// Whether a device, known only by its configuration, can ever satisfy the keys that
    /// the configuration decides (iccid, name, labels); the others are judged as they come.
    public func canMatch(_ device: DeviceEntry) -> Bool {
        conditions.allSatisfy { key, values in
            switch key {
            case .iccid: values.contains(device.iccid)
            case .device: device.name.map(values.contains) ?? false
            case .label(let name): device.labels[name].map(values.contains) ?? false
            case .kind, .severity, .ratePlan, .status: true
            }
        }
    }

    /// Whether the match names any key of a device, so no daemon-level event can satisfy it.
    public var needsDevice: Bool {
        conditions.keys.contains { key in
            switch key {
            case .iccid, .device, .label, .ratePlan, .status: true
            case .kind, .severity: false
            }
        }
    }

    /// `label.site=berlin kind=status_changed|imei_changed`, keys sorted, for logs and listings.
    public var description: String {
        if conditions.isEmpty { return "(everything)" }
        return conditions.keys.sorted().map { key in
            "\(key)=\(conditions[key, default: []].sorted().joined(separator: "|"))"
        }.joined(separator: " ")
    }

    private static func holds(_ key: Key, _ values: Set<String>, _ subject: MatchSubject) -> Bool {
        switch key {
        case .iccid: subject.iccid.map(values.contains) ?? false
        case .device: subject.deviceName.map(values.contains) ?? false
        case .kind: values.contains(subject.kind.rawValue)
        case .severity: values.compactMap(Severity.init(rawValue:)).contains { subject.severity >= $0 }
        case .ratePlan: subject.ratePlan.map(values.contains) ?? false
        case .status: subject.status.map(values.contains) ?? false
        case .label(let name): subject.labels[name].map(values.contains) ?? false
        }
    }

    /// Checks a value of `key`: a known kind or severity name for those keys, any
    /// non-empty text of at most `maxValueLength` characters for the others.
    public static func validate(_ value: String, for key: Key) -> MatchProblem? {
        guard !value.isEmpty, value.count <= maxValueLength else {
            return MatchProblem("expected a value of 1 to \(maxValueLength) characters")
        }
        switch key {
        case .kind:
            guard EventKind(rawValue: value) != nil, value != EventKind.test.rawValue else {
                let names = EventKind.allCases.filter { $0 != .test }.map(\.rawValue).joined(separator: ", ")
                return MatchProblem("expected an event kind (\(names))")
            }
        case .severity:
            guard Severity(rawValue: value) != nil else {
                return MatchProblem("expected a severity (\(Severity.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        case .iccid, .device, .ratePlan, .status, .label: break
        }
        return nil
    }

    /// Values are names, ICCIDs and statuses: this bounds what a hostile silences file can hold.
    public static let maxValueLength = 200
}

/// What a match is judged on: the event and its device as the daemon knows it now.
public struct MatchSubject: Sendable, Equatable {
    public var kind: EventKind
    public var severity: Severity
    public var iccid: String?
    public var deviceName: String?
    public var labels: [String: String]
    public var ratePlan: String?
    /// The device's current status (for a `status_changed`, the new one).
    public var status: String?

    public init(
        kind: EventKind, severity: Severity, iccid: String? = nil, deviceName: String? = nil,
        labels: [String: String] = [:], ratePlan: String? = nil, status: String? = nil
    ) {
        self.kind = kind
        self.severity = severity
        self.iccid = iccid
        self.deviceName = deviceName
        self.labels = labels
        self.ratePlan = ratePlan
        self.status = status
    }

    /// The subject of `event`; `last` is the device's latest known record, which fills
    /// what the event does not carry (its status and rate plan).
    public init(_ event: Event, last: DeviceUsage? = nil) {
        self.init(
            kind: event.kind, severity: event.severity, iccid: event.iccid, deviceName: event.deviceName,
            labels: event.labels ?? [:], ratePlan: last?.ratePlan ?? event.device?.ratePlan,
            status: last?.status ?? event.device?.status)
    }
}

/// Why a match key or value was refused; the message says what was expected.
public struct MatchProblem: Error, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }
}

extension EventKind {
    /// Kinds about the daemon, not a device: silenced only by a match naming them.
    public var isDaemonLevel: Bool {
        switch self {
        case .pollFailed, .pollRecovered, .stateReset: true
        default: false
        }
    }
}
