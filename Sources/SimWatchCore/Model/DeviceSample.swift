import Foundation

/// One SIM's latest known values, for the per-device gauges (`metrics.per_device`).
public struct DeviceSample: Sendable, Equatable {
    public var iccid: String
    /// The configured name; empty when there is none.
    public var name: String
    public var status: String?
    public var ratePlan: String?
    /// Cycle-to-date counters in base units; unknown ones are absent.
    public var usage: [Metric: Int64]
    /// Usage as a fraction of the plan's allowance (0.85 = 85 %), where the plan has one.
    public var planRatio: [Metric: Double]
    public var polledAt: Date?

    public init(iccid: String, name: String, status: String?, ratePlan: String?, usage: [Metric: Int64],
                planRatio: [Metric: Double], polledAt: Date?) {
        self.iccid = iccid
        self.name = name
        self.status = status
        self.ratePlan = ratePlan
        self.usage = usage
        self.planRatio = planRatio
        self.polledAt = polledAt
    }
}
