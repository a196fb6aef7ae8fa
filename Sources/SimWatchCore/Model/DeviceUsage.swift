/// One device's cycle-to-date usage as `GET /devices/{iccid}/ctdUsages` returns it.
///
/// Every field but `iccid` is optional: Control Center omits some, sends `null` for
/// `ctdSessionCount` and `""` for an unknown IMEI. Status strings are kept verbatim so
/// that an unknown status is a value, not a decoding failure.
public struct DeviceUsage: Codable, Sendable, Equatable, Hashable {
    public var iccid: String
    public var imsi: String?
    public var msisdn: String?
    public var imei: String?
    public var status: String?
    public var ratePlan: String?
    public var communicationPlan: String?
    /// Bytes of data since the start of the billing cycle.
    public var ctdDataUsage: Int64?
    /// Mobile-originated plus mobile-terminated SMS since the start of the cycle.
    public var ctdSMSUsage: Int64?
    /// Voice seconds since the start of the cycle.
    public var ctdVoiceUsage: Int64?
    /// Data sessions since the start of the cycle; `null` when unknown.
    public var ctdSessionCount: Int64?
    public var overageLimitReached: Bool?
    /// `DEFAULT`, `TEMPORARY_OVERRIDE` or `PERMANENT_OVERRIDE`.
    public var overageLimitOverride: String?

    public init(
        iccid: String, imsi: String? = nil, msisdn: String? = nil, imei: String? = nil,
        status: String? = nil, ratePlan: String? = nil, communicationPlan: String? = nil,
        ctdDataUsage: Int64? = nil, ctdSMSUsage: Int64? = nil, ctdVoiceUsage: Int64? = nil,
        ctdSessionCount: Int64? = nil, overageLimitReached: Bool? = nil,
        overageLimitOverride: String? = nil
    ) {
        self.iccid = iccid
        self.imsi = imsi
        self.msisdn = msisdn
        self.imei = imei
        self.status = status
        self.ratePlan = ratePlan
        self.communicationPlan = communicationPlan
        self.ctdDataUsage = ctdDataUsage
        self.ctdSMSUsage = ctdSMSUsage
        self.ctdVoiceUsage = ctdVoiceUsage
        self.ctdSessionCount = ctdSessionCount
        self.overageLimitReached = overageLimitReached
        self.overageLimitOverride = overageLimitOverride
    }

    /// The counter for a metric, `nil` when Control Center did not report it.
    public func counter(_ metric: Metric) -> Int64? {
        switch metric {
        case .data: ctdDataUsage
        case .sms: ctdSMSUsage
        case .voice: ctdVoiceUsage
        case .sessions: ctdSessionCount
        }
    }

    /// The JSON field that carries a metric's counter, for messages.
    public static func fieldName(_ metric: Metric) -> String {
        switch metric {
        case .data: "ctdDataUsage"
        case .sms: "ctdSMSUsage"
        case .voice: "ctdVoiceUsage"
        case .sessions: "ctdSessionCount"
        }
    }
}

/// SIM status values documented by Control Center. Any other string is a valid, unknown status.
public enum KnownSIMStatus: String, CaseIterable, Sendable {
    case activated = "ACTIVATED"
    case activationReady = "ACTIVATION_READY"
    case activationPendant = "ACTIVATION_PENDANT"
    case deactivated = "DEACTIVATED"
    case inventory = "INVENTORY"
    case purged = "PURGED"
    case replaced = "REPLACED"
    case retired = "RETIRED"
    case testReady = "TEST_READY"
}

/// A usage counter that thresholds and plans talk about.
public enum Metric: String, Codable, Sendable, CaseIterable, Hashable {
    /// Bytes (`ctdDataUsage`).
    case data
    /// Messages (`ctdSMSUsage`).
    case sms
    /// Seconds (`ctdVoiceUsage`).
    case voice
    /// Data sessions (`ctdSessionCount`).
    case sessions
}
