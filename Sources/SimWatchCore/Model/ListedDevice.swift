/// One SIM as Search Devices lists it: the four fields Control Center returns.
///
/// A listing is a partial observation: every other field of a usage record is unknown.
/// Text fields are optional because a hostile or sloppy answer may omit them or send `null`.
public struct ListedDevice: Sendable, Equatable, Hashable {
    public var iccid: String
    public var status: String?
    public var ratePlan: String?
    public var communicationPlan: String?

    public init(iccid: String, status: String? = nil, ratePlan: String? = nil, communicationPlan: String? = nil) {
        self.iccid = iccid
        self.status = status
        self.ratePlan = ratePlan
        self.communicationPlan = communicationPlan
    }

    /// The listing as a usage record with only these fields known, for the Detector's rules.
    public var partialUsage: DeviceUsage {
        DeviceUsage(iccid: iccid, status: status, ratePlan: ratePlan, communicationPlan: communicationPlan)
    }
}
