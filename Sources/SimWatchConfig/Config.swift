import Foundation
import Logging
import SimWatchCore

/// The validated configuration: every key of DESIGN.md with its default applied.
///
/// Built by `ConfigLoader` from YAML; tests may build one directly.
public struct Config: Sendable {
    /// Path of the file this was loaded from, for messages.
    public var path: String
    public var controlCenter: ControlCenterSettings
    public var poll: PollSettings
    /// Discovery and the change feed.
    public var fleet: FleetSettings
    /// Where the state file lives.
    public var stateFile: String
    /// Every device to watch, from `devices` and `devices_file`, in configuration order.
    public var devices: [DeviceEntry]
    /// Allowances per rate plan name.
    public var plans: [String: PlanAllowance]
    public var thresholds: [Threshold]
    public var webhooks: [WebhookSettings]
    public var delivery: DeliverySettings
    public var metrics: MetricsSettings?
    public var log: LogSettings
    /// `maintenance`: weekly windows that silence matching events.
    public var maintenance: [MaintenanceWindow] = []
    /// `flapping`; `nil` when `off`.
    public var flapping: FlappingSettings? = FlappingSettings()
    /// `silences_file` as configured; `nil` for the default beside the state file (`silencesPath`).
    public var silencesFile: String?

    /// Where silences live: `silences_file`, or `silences.json` in the state file's folder.
    public var silencesPath: String {
        if let silencesFile { return silencesFile }
        guard let slash = stateFile.lastIndex(of: "/") else { return "silences.json" }
        return String(stateFile[...slash]) + "silences.json"
    }

    public init(
        path: String, controlCenter: ControlCenterSettings, poll: PollSettings = .init(),
        stateFile: String, devices: [DeviceEntry], plans: [String: PlanAllowance] = [:],
        thresholds: [Threshold] = [], webhooks: [WebhookSettings] = [],
        delivery: DeliverySettings = .init(), metrics: MetricsSettings? = nil, log: LogSettings = .init(),
        fleet: FleetSettings = .init()
    ) {
        self.fleet = fleet
        self.path = path
        self.controlCenter = controlCenter
        self.poll = poll
        self.stateFile = stateFile
        self.devices = devices
        self.plans = plans
        self.thresholds = thresholds
        self.webhooks = webhooks
        self.delivery = delivery
        self.metrics = metrics
        self.log = log
    }
}

/// `control_center:` — where and how to reach the API.
public struct ControlCenterSettings: Sendable {
    /// `https://rws-jpotest.jasper.com`, without a trailing slash.
    public var baseURL: String
    public var username: String
    public var apiKey: Secret
    public var apiVersion: Int
    /// Per-request total timeout.
    public var timeout: Duration
    /// Requests started per second.
    public var rateLimit: Double
    /// Requests in flight at once.
    public var concurrency: Int

    public init(
        baseURL: String, username: String, apiKey: Secret, apiVersion: Int = 1,
        timeout: Duration = .seconds(10), rateLimit: Double = 5, concurrency: Int = 1
    ) {
        self.baseURL = baseURL
        self.username = username
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.timeout = timeout
        self.rateLimit = rateLimit
        self.concurrency = concurrency
    }
}

/// `poll:`
public struct PollSettings: Sendable {
    public var interval: Duration
    /// Budgeted polling: every polled SIM at least this often; at least `interval`.
    public var maxInterval: Duration

    public init(interval: Duration = .seconds(15 * 60), maxInterval: Duration = .seconds(24 * 3600)) {
        self.interval = interval
        self.maxInterval = max(maxInterval, interval)
    }
}

/// One watched SIM.
public struct DeviceEntry: Sendable, Equatable, Hashable {
    /// 15 to 22 digits, validated.
    public var iccid: String
    public var name: String?
    public var labels: [String: String]

    public init(iccid: String, name: String? = nil, labels: [String: String] = [:]) {
        self.iccid = iccid
        self.name = name
        self.labels = labels
    }
}

/// A rate plan's allowances in base units: bytes, messages, seconds, sessions.
public struct PlanAllowance: Sendable, Equatable, Hashable {
    public var data: Int64?
    public var sms: Int64?
    public var voice: Int64?
    public var sessions: Int64?

    public init(data: Int64? = nil, sms: Int64? = nil, voice: Int64? = nil, sessions: Int64? = nil) {
        self.data = data
        self.sms = sms
        self.voice = voice
        self.sessions = sessions
    }

    public func allowance(for metric: Metric) -> Int64? {
        switch metric {
        case .data: data
        case .sms: sms
        case .voice: voice
        case .sessions: sessions
        }
    }
}

/// `thresholds[n]`: a metric reaching a level raises `threshold_crossed`.
public struct Threshold: Sendable, Equatable, Hashable {
    public enum Level: Sendable, Equatable, Hashable {
        /// In base units: bytes, messages, seconds or sessions.
        case absolute(Int64)
        /// Percent of the device's plan allowance for the metric, e.g. 80.
        case percent(Double)
    }

    public var metric: Metric
    public var level: Level
    public var severity: Severity

    public init(metric: Metric, level: Level, severity: Severity = .warning) {
        self.metric = metric
        self.level = level
        self.severity = severity
    }

    /// A stable key for this threshold in the state file, e.g. `data>=500000000` or `data>=80%`.
    public var key: String {
        switch level {
        case .absolute(let value): "\(metric.rawValue)>=\(value)"
        case .percent(let value): "\(metric.rawValue)>=\(Self.formatPercent(value))%"
        }
    }

    /// `80`, `12.5`; never traps, though the configuration bounds percents to 100000.
    static func formatPercent(_ value: Double) -> String {
        // Within ±2^53 a whole Double converts exactly; beyond, `Int64(value)` could trap.
        guard value.isFinite, value == value.rounded(), abs(value) < 9_007_199_254_740_992 else { return String(value) }
        return String(Int64(value))
    }
}


/// `delivery:`
public struct DeliverySettings: Sendable {
    public var maxAge: Duration
    public var groupWait: Duration
    /// Requests per second per webhook.
    public var maxRate: Double

    public init(maxAge: Duration = .seconds(24 * 3600), groupWait: Duration = .seconds(10), maxRate: Double = 1) {
        self.maxAge = maxAge
        self.groupWait = groupWait
        self.maxRate = maxRate
    }
}

/// `metrics:`
public struct MetricsSettings: Sendable {
    /// Where to serve `/metrics` and `/healthz`: parsed and checked by the configuration.
    public var address: HostPort

    /// `address` as `host:port`, e.g. `127.0.0.1:9464`, `[::1]:9464`.
    public var listen: String { address.description }

    public init(address: HostPort) {
        self.address = address
    }
}

/// `log:`
public struct LogSettings: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case logfmt
        case json
    }

    public var format: Format
    public var level: Logger.Level

    public init(format: Format = .logfmt, level: Logger.Level = .info) {
        self.format = format
        self.level = level
    }
}
