import Foundation

/// The daily summary a `digest` event carries: DESIGN.md's `digest` object.
///
/// Built by `DigestBuilder` (Monitor) from the state file alone, so `simwatch digest
/// --print` and the daemon's daily digest show the same content for the same state.
public struct DailyDigest: Codable, Sendable, Equatable, Hashable {
    /// The 24 h before the digest was built.
    public var periodStart: Date
    public var periodEnd: Date
    /// Watched devices.
    public var devices: Int
    /// Devices per last known status; `UNKNOWN` for those never polled.
    public var byStatus: [String: Int]
    /// Events raised in the period, by kind (`digest` itself not counted).
    public var events: [String: Int]
    /// The `digest.top` devices by share of plan, largest first.
    public var topUsage: [TopUsage]
    /// Devices whose pace passes `forecast.above` of their plan this cycle.
    public var projectedOverages: [ProjectedOverage]
    /// Poll cycles completed in the period.
    public var cycles: Int
    /// Failed device polls in the period.
    public var pollsFailed: Int

    public init(
        periodStart: Date, periodEnd: Date, devices: Int, byStatus: [String: Int], events: [String: Int],
        topUsage: [TopUsage], projectedOverages: [ProjectedOverage], cycles: Int, pollsFailed: Int
    ) {
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.devices = devices
        self.byStatus = byStatus
        self.events = events
        self.topUsage = topUsage
        self.projectedOverages = projectedOverages
        self.cycles = cycles
        self.pollsFailed = pollsFailed
    }

    /// One device's usage as a share of its plan.
    public struct TopUsage: Codable, Sendable, Equatable, Hashable {
        public var iccid: String
        public var deviceName: String?
        public var metric: Metric
        public var value: Int64
        public var limit: Int64
        public var percentOfPlan: Double

        public init(iccid: String, deviceName: String?, metric: Metric, value: Int64, limit: Int64, percentOfPlan: Double) {
            self.iccid = iccid
            self.deviceName = deviceName
            self.metric = metric
            self.value = value
            self.limit = limit
            self.percentOfPlan = percentOfPlan
        }

        enum CodingKeys: String, CodingKey {
            case iccid, metric, value, limit
            case deviceName = "device_name"
            case percentOfPlan = "percent_of_plan"
        }
    }

    /// One device and metric on pace to pass its plan.
    public struct ProjectedOverage: Codable, Sendable, Equatable, Hashable {
        public var iccid: String
        public var deviceName: String?
        public var metric: Metric
        public var projectedPercent: Double
        public var limitReachedAt: Date

        public init(iccid: String, deviceName: String?, metric: Metric, projectedPercent: Double, limitReachedAt: Date) {
            self.iccid = iccid
            self.deviceName = deviceName
            self.metric = metric
            self.projectedPercent = projectedPercent
            self.limitReachedAt = limitReachedAt
        }

        enum CodingKeys: String, CodingKey {
            case iccid, metric
            case deviceName = "device_name"
            case projectedPercent = "projected_percent"
            case limitReachedAt = "limit_reached_at"
        }
    }

    enum CodingKeys: String, CodingKey {
        case devices, events, cycles
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case byStatus = "by_status"
        case topUsage = "top_usage"
        case projectedOverages = "projected_overages"
        case pollsFailed = "polls_failed"
    }
}
