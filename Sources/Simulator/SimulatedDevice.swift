/// How fast a simulated device's counters grow, per hour on the simulator's `UsageClock`.
public struct UsageGrowth: Sendable, Equatable, Codable {
    public var dataBytesPerHour: Double
    public var smsPerHour: Double
    public var voiceSecondsPerHour: Double
    public var sessionsPerHour: Double

    public init(dataBytesPerHour: Double, smsPerHour: Double, voiceSecondsPerHour: Double, sessionsPerHour: Double) {
        self.dataBytesPerHour = dataBytesPerHour
        self.smsPerHour = smsPerHour
        self.voiceSecondsPerHour = voiceSecondsPerHour
        self.sessionsPerHour = sessionsPerHour
    }

    /// Counters that stay where they are.
    public static let none = UsageGrowth(dataBytesPerHour: 0, smsPerHour: 0, voiceSecondsPerHour: 0, sessionsPerHour: 0)
}

/// One SIM as the simulator serves it: the 13 fields of a `ctdUsages` answer plus its growth rate.
///
/// Counters hold the value at the moment the device was read or last changed; the
/// simulator adds `growth` for the time elapsed since then on its clock.
///
/// It mirrors `DeviceUsage`'s fields on purpose: the Simulator imports no SimWatch target, so it stands alone like Control Center.
public struct SimulatedDevice: Sendable, Equatable {
    public var iccid: String
    public var imsi: String
    public var msisdn: String
    /// `""` when Control Center does not know the device's IMEI.
    public var imei: String
    public var status: String
    public var ratePlan: String
    public var communicationPlan: String
    /// Bytes since the start of the billing cycle.
    public var ctdDataUsage: Int64
    public var ctdSMSUsage: Int64
    /// Voice seconds since the start of the billing cycle.
    public var ctdVoiceUsage: Int64
    /// `nil` is served as JSON `null`, as Control Center does for some devices.
    public var ctdSessionCount: Int64?
    public var overageLimitReached: Bool
    /// `DEFAULT`, `TEMPORARY_OVERRIDE` or `PERMANENT_OVERRIDE`.
    public var overageLimitOverride: String
    public var growth: UsageGrowth

    public init(
        iccid: String, imsi: String = "", msisdn: String = "", imei: String = "",
        status: String = "ACTIVATED", ratePlan: String = "hphlr rp1", communicationPlan: String = "CP_Basic_ON",
        ctdDataUsage: Int64 = 0, ctdSMSUsage: Int64 = 0, ctdVoiceUsage: Int64 = 0, ctdSessionCount: Int64? = 0,
        overageLimitReached: Bool = false, overageLimitOverride: String = "DEFAULT", growth: UsageGrowth = .none
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
        self.growth = growth
    }

    /// Whether `other` has the same attributes whose change Control Center counts as a
    /// modification (Search Devices): status, both plans and the overage override. Usage,
    /// IMEI and the overage flag are not modifications.
    public func hasSameAttributes(as other: SimulatedDevice) -> Bool {
        status == other.status && ratePlan == other.ratePlan && communicationPlan == other.communicationPlan
            && overageLimitOverride == other.overageLimitOverride
    }

    /// Starts a new billing cycle: every counter back to zero; an unknown session count stays unknown.
    public mutating func resetCycle() {
        ctdDataUsage = 0
        ctdSMSUsage = 0
        ctdVoiceUsage = 0
        if ctdSessionCount != nil { ctdSessionCount = 0 }
        overageLimitReached = false
        if overageLimitOverride == "TEMPORARY_OVERRIDE" { overageLimitOverride = "DEFAULT" }
    }

    /// The device after `elapsed` more time of usage at its growth rate.
    public func advanced(by elapsed: Duration) -> SimulatedDevice {
        let hours = Double(elapsed.components.seconds) / 3600
            + Double(elapsed.components.attoseconds) / 3.6e21
        guard hours > 0 else { return self }
        var next = self
        next.ctdDataUsage = Self.grown(ctdDataUsage, by: growth.dataBytesPerHour * hours)
        next.ctdSMSUsage = Self.grown(ctdSMSUsage, by: growth.smsPerHour * hours)
        next.ctdVoiceUsage = Self.grown(ctdVoiceUsage, by: growth.voiceSecondsPerHour * hours)
        if let sessions = ctdSessionCount { next.ctdSessionCount = Self.grown(sessions, by: growth.sessionsPerHour * hours) }
        return next
    }

    /// `counter` plus `amount`, saturating: a counter set to Int64.max over the control API,
    /// or a growth of 1e300 an hour, must not trap the simulator.
    static func grown(_ counter: Int64, by amount: Double) -> Int64 {
        guard amount.isFinite, amount >= 1 else { return amount == .infinity ? .max : counter }
        let step = amount >= 9.2e18 ? Int64.max : Int64(amount)
        let (sum, overflow) = counter.addingReportingOverflow(step)
        return overflow ? .max : sum
    }

    /// The `ctdUsages` answer, fields in the order of Control Center's documentation.
    public var jsonRecord: String {
        JSONText.object([
            ("iccid", JSONText.string(iccid)),
            ("imsi", JSONText.string(imsi)),
            ("msisdn", JSONText.string(msisdn)),
            ("imei", JSONText.string(imei)),
            ("status", JSONText.string(status)),
            ("ratePlan", JSONText.string(ratePlan)),
            ("communicationPlan", JSONText.string(communicationPlan)),
            ("ctdDataUsage", String(ctdDataUsage)),
            ("ctdSMSUsage", String(ctdSMSUsage)),
            ("ctdVoiceUsage", String(ctdVoiceUsage)),
            ("ctdSessionCount", JSONText.optional(ctdSessionCount)),
            ("overageLimitReached", overageLimitReached ? "true" : "false"),
            ("overageLimitOverride", JSONText.string(overageLimitOverride)),
        ])
    }
}
