import Foundation
import SimWatchCore
import Yams

/// `billing:` — when each device's billing cycle starts.
public struct BillingSettings: Sendable, Equatable {
    /// Day of month the cycle starts, 1...28 (every month has it).
    public var cycleStartDay: Int
    /// The account's billing zone; the cycle starts at 00:00 there.
    public var timeZone: TimeZone

    public init(cycleStartDay: Int = 1, timeZone: TimeZone = .gmt) {
        self.cycleStartDay = cycleStartDay
        self.timeZone = timeZone
    }
}

/// `forecast:` — `overage_projected`; `forecast: off` makes it `nil` in `Config`.
public struct ForecastSettings: Sendable, Equatable {
    /// Projected end-of-cycle share of plan, in percent, that raises the event.
    public var abovePercent: Double
    /// No projection earlier in the cycle.
    public var minElapsed: Duration
    public var metrics: [Metric]

    public init(abovePercent: Double = 100, minElapsed: Duration = .seconds(3 * 86_400), metrics: [Metric] = [.data]) {
        self.abovePercent = abovePercent
        self.minElapsed = minElapsed
        self.metrics = metrics
    }
}

/// `spikes:` — `usage_spike`; `spikes: off` makes it `nil` in `Config`.
public struct SpikeSettings: Sendable, Equatable {
    /// A rate this many times the device's own baseline is a spike.
    public var factor: Double
    public var metrics: [Metric]
    /// The least increase since the previous observation that can be a spike, in base units.
    public var minIncrease: [Metric: Int64]

    /// 10 MB of data, 20 SMS, 10 minutes of voice, 10 sessions.
    public static let defaultMinIncrease: [Metric: Int64] = [.data: 10_000_000, .sms: 20, .voice: 600, .sessions: 10]

    public init(factor: Double = 10, metrics: [Metric] = [.data], minIncrease: [Metric: Int64] = SpikeSettings.defaultMinIncrease) {
        self.factor = factor
        self.metrics = metrics
        self.minIncrease = minIncrease
    }
}

/// `digest:` — the daily summary.
public struct DigestSettings: Sendable, Equatable {
    /// Hour and minute of day in `timeZone`.
    public var hour: Int
    public var minute: Int
    public var timeZone: TimeZone
    /// Names of the webhooks that receive it; `nil`: every chat-format webhook (`Config.digestWebhooks`).
    public var webhooks: [String]?
    /// SIMs listed by share of plan.
    public var top: Int

    public init(hour: Int = 8, minute: Int = 0, timeZone: TimeZone = .gmt, webhooks: [String]? = nil, top: Int = 10) {
        self.hour = hour
        self.minute = minute
        self.timeZone = timeZone
        self.webhooks = webhooks
        self.top = top
    }

    /// Formats whose webhooks get the digest when `digest.webhooks` is not given (DESIGN.md's chat formats).
    public static let defaultFormats: Set<String> = ["slack", "teams", "discord", "google_chat", "mattermost", "telegram"]
    /// Formats that cannot take a digest: they open incidents, and a summary is none.
    public static let refusedFormats: Set<String> = ["alertmanager", "pagerduty", "opsgenie"]
}

extension Config {
    /// The webhooks the digest goes to: `digest.webhooks`, else every chat-format webhook.
    public var digestWebhooks: [String] {
        digest?.webhooks ?? webhooks.filter { DigestSettings.defaultFormats.contains($0.format.rawValue) }.map(\.name)
    }
}

/// Reads `billing`, `forecast`, `spikes` and `digest`.
enum ConfigInsight {
    static let billingKeys = ["cycle_start_day", "timezone"]
    static let forecastKeys = ["above", "min_elapsed", "metrics"]
    static let spikeKeys = ["factor", "metrics", "min_increase"]
    static let digestKeys = ["at", "timezone", "webhooks", "top"]
    static let cycleStartDays = 1...28
    static let spikeFactor = 1.0...1_000_000.0
    static let digestTop = 1...100
    static let minElapsed = Duration.zero...Duration.seconds(28 * 86_400)

    package static func billing(_ root: MappingReader) -> BillingSettings {
        var settings = BillingSettings()
        guard let section = root.mapping("billing", known: billingKeys) else { return settings }
        if let day = section.integer("cycle_start_day", in: cycleStartDays) { settings.cycleStartDay = day }
        if let zone = timeZone(section) { settings.timeZone = zone }
        return settings
    }

    package static func forecast(_ root: MappingReader) -> ForecastSettings? {
        var settings = ForecastSettings()
        if isOff(root, "forecast") { return nil }
        guard let section = root.mapping("forecast", known: forecastKeys, expected: "a mapping, or off") else { return settings }
        if let above = section.scalar("above", expected: "a percent like 100%", percent) { settings.abovePercent = above }
        if let elapsed = section.duration("min_elapsed", in: minElapsed) { settings.minElapsed = elapsed }
        if let metrics = metricList(section) { settings.metrics = metrics }
        return settings
    }

    package static func spikes(_ root: MappingReader) -> SpikeSettings? {
        var settings = SpikeSettings()
        if isOff(root, "spikes") { return nil }
        guard let section = root.mapping("spikes", known: spikeKeys, expected: "a mapping, or off") else { return settings }
        if let factor = section.positiveNumber("factor", minimum: spikeFactor.lowerBound, maximum: spikeFactor.upperBound) {
            settings.factor = factor
        }
        if let metrics = metricList(section) { settings.metrics = metrics }
        if let increases = section.mapping("min_increase", known: Metric.allCases.map(\.rawValue)) {
            for metric in Metric.allCases {
                let amount = increases.scalar(metric.rawValue, expected: ConfigThresholds.expectedAmount(metric)) {
                    (text) throws(ValueProblem) in try ConfigThresholds.amount(text, of: metric, percentAllowed: false)
                }
                if let amount { settings.minIncrease[metric] = amount }
            }
        }
        return settings
    }

    /// `digest`, with its webhooks checked against `webhooks`; `nil` when not configured.
    package static func digest(_ root: MappingReader, webhooks: [WebhookSettings]) -> DigestSettings? {
        guard let section = root.mapping("digest", known: digestKeys) else { return nil }
        var settings = DigestSettings()
        if let (hour, minute) = section.scalar("at", required: true, expected: "a time like \"08:00\"", timeOfDay) {
            settings.hour = hour
            settings.minute = minute
        }
        if let zone = timeZone(section) { settings.timeZone = zone }
        if let top = section.integer("top", in: digestTop) { settings.top = top }
        let byName = Dictionary(webhooks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        if let names = section.list("webhooks", { node, path in
            MappingReader.scalar(node, path, expected: "a webhook name", section.diagnostics) { (text) throws(ValueProblem) in
                guard let webhook = byName[text] else {
                    throw ValueProblem("no webhook is named \(ConfigText.quoted(text)); expected one of the names under webhooks")
                }
                let format = webhook.settings.format.rawValue
                guard !DigestSettings.refusedFormats.contains(format) else {
                    throw ValueProblem("webhook \(ConfigText.quoted(text)) is \(format): it opens incidents, and a digest is a summary; list chat or generic webhooks")
                }
                return text
            }
        }) {
            settings.webhooks = names
        }
        let chat = webhooks.contains { DigestSettings.defaultFormats.contains($0.format.rawValue) }
        if !chat, !section.has("webhooks") {
            section.diagnostics.warning(
                "no chat webhook to send the digest to: list its webhooks under digest.webhooks",
                at: section.mark, section.path)
        }
        return settings
    }

    /// Whether the section is written `off` (YAML may also read it as `false`).
    private static func isOff(_ root: MappingReader, _ key: String) -> Bool {
        guard case .scalar(let scalar) = root.value(key) else { return false }
        guard scalar.string == "off" || scalar.string == "false" else { return false }
        return true
    }

    private static func timeZone(_ section: MappingReader) -> TimeZone? {
        section.scalar("timezone", expected: "an IANA time zone like Europe/Berlin") { (text) throws(ValueProblem) in
            guard let zone = TimeZone(identifier: text) else {
                throw ValueProblem("expected an IANA time zone like Europe/Berlin or UTC; got \(ConfigText.quoted(text))")
            }
            return zone
        }
    }

    private static func metricList(_ section: MappingReader) -> [Metric]? {
        let metrics = section.list("metrics") { node, path in
            MappingReader.scalar(node, path, expected: "a metric", section.diagnostics) { (text) throws(ValueProblem) in
                try MappingReader.choice(text, of: Metric.allCases)
            }
        }
        guard let metrics else { return nil }
        var seen: [Metric] = []
        for metric in metrics where !seen.contains(metric) { seen.append(metric) }
        return seen
    }

    private static func percent(_ text: String) throws(ValueProblem) -> Double {
        switch ConfigUnits.parsePercent(text) {
        case .value(let value) where value > 0 && value <= ConfigBounds.maxPercent: return value
        case .value, .tooLarge:
            throw ValueProblem("must be more than 0% and at most \(ConfigText.number(ConfigBounds.maxPercent))%; got \(ConfigText.quoted(text))")
        case .invalid: throw ValueProblem("expected a percent like 100%; got \(ConfigText.quoted(text))")
        }
    }

    /// `"08:00"`: two-digit hour 00...23 and minute 00...59.
    static func timeOfDay(_ text: String) throws(ValueProblem) -> (Int, Int) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ (1...2).contains($0.count) && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute)
        else { throw ValueProblem("expected a time of day like \"08:00\" (00:00 to 23:59); got \(ConfigText.quoted(text))") }
        return (hour, minute)
    }
}
