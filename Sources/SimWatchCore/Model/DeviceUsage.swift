/// One device's cycle-to-date usage as `GET /devices/{iccid}/ctdUsages` returns it.
///
/// Every field but `iccid` is optional: Control Center omits some, sends `null` for
/// `ctdSessionCount` and `""` for an unknown IMEI. Status strings are kept verbatim so
/// that an unknown status is a value, not a decoding failure.
///
/// A fleet keeps one of these per SIM: the four counters are stored as plain `Int64`s with
/// one byte saying which are there (and the overage flag), 31 bytes fewer than four
/// `Int64?` and a `Bool?`. An absent counter is stored as 0, so that equality and hashing,
/// synthesized over the stored fields, stay those of the optional fields.
public struct DeviceUsage: Codable, Sendable, Equatable, Hashable {
    public var iccid: String
    public var imsi: String?
    public var msisdn: String?
    public var imei: String?
    public var status: String?
    public var ratePlan: String?
    public var communicationPlan: String?
    /// `DEFAULT`, `TEMPORARY_OVERRIDE` or `PERMANENT_OVERRIDE`.
    public var overageLimitOverride: String?
    private var data: Int64 = 0, sms: Int64 = 0, voice: Int64 = 0, sessions: Int64 = 0
    /// Bits 0-3: the counters present, in the order above; bit 4: the overage flag is
    /// present, bit 5: its value.
    private var flags: UInt8 = 0

    /// Bytes of data since the start of the billing cycle.
    public var ctdDataUsage: Int64? {
        get { flags & 1 != 0 ? data : nil }
        set { (data, flags) = Self.store(newValue, bit: 1, flags) }
    }

    /// Mobile-originated plus mobile-terminated SMS since the start of the cycle.
    public var ctdSMSUsage: Int64? {
        get { flags & 2 != 0 ? sms : nil }
        set { (sms, flags) = Self.store(newValue, bit: 2, flags) }
    }

    /// Voice seconds since the start of the cycle.
    public var ctdVoiceUsage: Int64? {
        get { flags & 4 != 0 ? voice : nil }
        set { (voice, flags) = Self.store(newValue, bit: 4, flags) }
    }

    /// Data sessions since the start of the cycle; `null` when unknown.
    public var ctdSessionCount: Int64? {
        get { flags & 8 != 0 ? sessions : nil }
        set { (sessions, flags) = Self.store(newValue, bit: 8, flags) }
    }

    public var overageLimitReached: Bool? {
        get { flags & 16 != 0 ? flags & 32 != 0 : nil }
        set { flags = flags & ~48 | (newValue.map { $0 ? 48 : 16 } ?? 0) }
    }

    private static func store(_ value: Int64?, bit: UInt8, _ flags: UInt8) -> (Int64, UInt8) {
        value.map { ($0, flags | bit) } ?? (0, flags & ~bit)
    }

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
        self.overageLimitOverride = overageLimitOverride
        self.ctdDataUsage = ctdDataUsage
        self.ctdSMSUsage = ctdSMSUsage
        self.ctdVoiceUsage = ctdVoiceUsage
        self.ctdSessionCount = ctdSessionCount
        self.overageLimitReached = overageLimitReached
    }

    /// The API's field names; what synthesized Codable used when the fields were stored.
    enum CodingKeys: String, CodingKey {
        case iccid, imsi, msisdn, imei, status, ratePlan, communicationPlan, ctdDataUsage, ctdSMSUsage
        case ctdVoiceUsage, ctdSessionCount, overageLimitReached, overageLimitOverride
    }

    // By hand only because the counters are not stored as they are named: the same calls,
    // so the same tolerance (null is absent) and the same errors as the synthesized ones.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        iccid = try container.decode(String.self, forKey: .iccid)
        imsi = try container.decodeIfPresent(String.self, forKey: .imsi)
        msisdn = try container.decodeIfPresent(String.self, forKey: .msisdn)
        imei = try container.decodeIfPresent(String.self, forKey: .imei)
        status = try container.decodeIfPresent(String.self, forKey: .status)
        ratePlan = try container.decodeIfPresent(String.self, forKey: .ratePlan)
        communicationPlan = try container.decodeIfPresent(String.self, forKey: .communicationPlan)
        ctdDataUsage = try container.decodeIfPresent(Int64.self, forKey: .ctdDataUsage)
        ctdSMSUsage = try container.decodeIfPresent(Int64.self, forKey: .ctdSMSUsage)
        ctdVoiceUsage = try container.decodeIfPresent(Int64.self, forKey: .ctdVoiceUsage)
        ctdSessionCount = try container.decodeIfPresent(Int64.self, forKey: .ctdSessionCount)
        overageLimitReached = try container.decodeIfPresent(Bool.self, forKey: .overageLimitReached)
        overageLimitOverride = try container.decodeIfPresent(String.self, forKey: .overageLimitOverride)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(iccid, forKey: .iccid)
        try container.encodeIfPresent(imsi, forKey: .imsi)
        try container.encodeIfPresent(msisdn, forKey: .msisdn)
        try container.encodeIfPresent(imei, forKey: .imei)
        try container.encodeIfPresent(status, forKey: .status)
        try container.encodeIfPresent(ratePlan, forKey: .ratePlan)
        try container.encodeIfPresent(communicationPlan, forKey: .communicationPlan)
        try container.encodeIfPresent(ctdDataUsage, forKey: .ctdDataUsage)
        try container.encodeIfPresent(ctdSMSUsage, forKey: .ctdSMSUsage)
        try container.encodeIfPresent(ctdVoiceUsage, forKey: .ctdVoiceUsage)
        try container.encodeIfPresent(ctdSessionCount, forKey: .ctdSessionCount)
        try container.encodeIfPresent(overageLimitReached, forKey: .overageLimitReached)
        try container.encodeIfPresent(overageLimitOverride, forKey: .overageLimitOverride)
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

// Printed and reflected as the fields it had before its counters were packed, so that logs,
// test output and the field table's reflection check see the API's names and optionals.
extension DeviceUsage: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(self, children: [
            "iccid": iccid, "imsi": imsi as Any, "msisdn": msisdn as Any, "imei": imei as Any, "status": status as Any,
            "ratePlan": ratePlan as Any, "communicationPlan": communicationPlan as Any,
            "ctdDataUsage": ctdDataUsage as Any, "ctdSMSUsage": ctdSMSUsage as Any, "ctdVoiceUsage": ctdVoiceUsage as Any,
            "ctdSessionCount": ctdSessionCount as Any, "overageLimitReached": overageLimitReached as Any,
            "overageLimitOverride": overageLimitOverride as Any,
        ], displayStyle: .struct)
    }
}
