import Foundation
import SimWatchCore

/// What Search Devices last listed for one SIM of the account: the inventory's line.
///
/// For a SIM that is usage-polled, its `DeviceRecord` holds the values the rules compare
/// with; this entry still says which SIMs the account has and with which listed status, so
/// the daemon knows which to usage-poll. For the others it is the SIM's only memory.
public struct InventoryEntry: Codable, Sendable, Equatable, Hashable {
    public var status: String?
    public var ratePlan: String?
    public var communicationPlan: String?
    /// Listings of this SIM that reached the rules while it had no `DeviceRecord`: part of
    /// its events' ids, as a device record's observation number is.
    public var observation: Int

    public init(status: String? = nil, ratePlan: String? = nil, communicationPlan: String? = nil, observation: Int = 0) {
        self.status = status
        self.ratePlan = ratePlan
        self.communicationPlan = communicationPlan
        self.observation = observation
    }

    /// The entry as a usage record with only the listed fields known.
    public func partialUsage(iccid: String) -> DeviceUsage {
        DeviceUsage(iccid: iccid, status: status, ratePlan: ratePlan, communicationPlan: communicationPlan)
    }

    package enum CodingKeys: String, CodingKey {
        case status, ratePlan, communicationPlan, observation
    }

    /// Omitted fields are unknown, an omitted observation is 0: the writer leaves them out to stay small.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = try container.decodeIfPresent(String.self, forKey: .status)
        ratePlan = try container.decodeIfPresent(String.self, forKey: .ratePlan)
        communicationPlan = try container.decodeIfPresent(String.self, forKey: .communicationPlan)
        observation = try container.decodeIfPresent(Int.self, forKey: .observation) ?? 0
    }
}

/// Where the change feed stands.
public struct FeedState: Codable, Sendable, Equatable, Hashable {
    /// When the last successful feed pass started; the next one lists changes since this
    /// time minus an overlap. `nil` before the first.
    public var watermark: Date?
    /// A whole-account listing has completed: the inventory is the account's, so a SIM
    /// listed for the first time from now on is a newly discovered one.
    public var complete: Bool

    public init(watermark: Date? = nil, complete: Bool = false) {
        self.watermark = watermark
        self.complete = complete
    }
}
