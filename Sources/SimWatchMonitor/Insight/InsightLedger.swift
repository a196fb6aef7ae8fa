import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchState

/// The configured insight rules: billing calendar, forecast, spikes and the plans behind them.
public struct InsightRules: Sendable, Equatable {
    public var billing: BillingCycle
    /// `nil` when `forecast: off`.
    public var forecast: ForecastSettings?
    /// `nil` when `spikes: off`.
    public var spikes: SpikeSettings?
    public var plans: [String: PlanAllowance]
    /// The cycle most observations fall in, worked out once: the calendar arithmetic is
    /// then done only for the odd observation outside it (100,000 SIMs a cycle).
    public var currentPeriod: CyclePeriod?

    /// The cycle `date` falls in.
    public func period(containing date: Date) -> CyclePeriod {
        if let currentPeriod, currentPeriod.contains(date) { return currentPeriod }
        return billing.period(containing: date)
    }

    public init(billing: BillingCycle = BillingCycle(), forecast: ForecastSettings? = ForecastSettings(),
                spikes: SpikeSettings? = SpikeSettings(), plans: [String: PlanAllowance] = [:]) {
        self.billing = billing
        self.forecast = forecast
        self.spikes = spikes
        self.plans = plans
    }

    /// The rules of a loaded configuration.
    public init(config: Config) {
        self.init(billing: BillingCycle(config.billing), forecast: config.forecast, spikes: config.spikes, plans: config.plans)
    }
}

/// Applies `overage_projected` and `usage_spike` to one observation: pure, like `DeviceLedger`.
public enum InsightLedger {
    /// Runs after `DeviceLedger.observe`: `before` is the record as it was, `record` holds
    /// the new observation (its known values merged) and receives the new marks.
    public static func observe(
        _ usage: DeviceUsage, device: DeviceEntry, before: DeviceRecord, detection: Detection,
        record: inout DeviceRecord, at date: Date, epoch: String, rules: InsightRules
    ) -> [Event] {
        guard let current = record.last else { return [] }
        let context = DeviceEventContext(epoch: epoch, device: device, record: usage,
                                         observation: record.observation, observedAt: date)
        let period = rules.period(containing: date)
        var marks = record.insight
        var events: [Event] = []
        if detection.events.contains(where: { $0.kind == .cycleReset }) || countersWentBack(before, current) {
            marks.projected = []
            marks.projectedCycleStart = nil
        }
        if let forecast = rules.forecast {
            let plan = current.ratePlan.flatMap { rules.plans[$0] }
            for projection in OverageProjection.evaluate(current, plan: plan, period: period, at: date, settings: forecast, marks: &marks) {
                events.append(projected(projection, rules.billing, period, context))
            }
        }
        if let spikes = rules.spikes {
            // A baseline observation (first, or found again) has no rate to judge.
            if let previous = before.last, let previousAt = before.observedAt, !before.notFound {
                let sameCycle = period.contains(previousAt)
                for metric in spikes.metrics {
                    guard let old = previous.counter(metric), let new = usage.counter(metric) else { continue }
                    var baseline = marks.spikes[metric] ?? SpikeBaseline()
                    let sample = RateSample(previousValue: old, previousAt: previousAt, value: new, at: date, sameCycle: sameCycle)
                    if let spike = SpikeRule.judge(sample, baseline: &baseline, factor: spikes.factor,
                                                   minIncrease: spikes.minIncrease[metric] ?? 0) {
                        events.append(spiked(spike, metric, context))
                    }
                    marks.spikes[metric] = baseline
                }
            }
        }
        record.insight = marks
        return events
    }

    private static func countersWentBack(_ before: DeviceRecord, _ current: DeviceUsage) -> Bool {
        guard let last = before.last else { return false }
        return DeviceLedger.countersWentBack(from: last, to: current)
    }

    /// `data on pace for 1.4 GB of 1 GB by 31 Dec (limit reached around 22 Dec)`
    static func projected(_ projection: Projection, _ billing: BillingCycle, _ period: CyclePeriod, _ context: DeviceEventContext) -> Event {
        let metric = projection.metric
        let detail = "\(metric.rawValue) on pace for \(HumanFormat.value(projection.projectedValue, of: metric)) of "
            + "\(HumanFormat.value(projection.limit, of: metric)) by \(billing.lastDay(of: period)) "
            + "(limit reached around \(billing.day(of: projection.limitReachedAt)))"
        var event = context.event(
            .overageProjected, .warning, detail: detail, metric: metric,
            thresholdKey: "projected:\(metric.rawValue):\(Timestamp.rfc3339(period.start))", value: projection.value)
        event.limit = projection.limit
        event.projectedValue = projection.projectedValue
        event.projectedPercent = projection.projectedPercent
        event.limitReachedAt = projection.limitReachedAt
        event.cycleEndsAt = projection.cycleEndsAt
        return event
    }

    /// `data at 120 MB/h, 20 × its usual 6 MB/h (+30 MB since the last poll)`
    static func spiked(_ spike: Spike, _ metric: Metric, _ context: DeviceEventContext) -> Event {
        let rate = HumanFormat.value(HumanFormat.clampedInt64(spike.ratePerHour), of: metric)
        let usual = HumanFormat.value(HumanFormat.clampedInt64(spike.baselinePerHour.rounded(.up)), of: metric)
        let detail = "\(metric.rawValue) at \(rate)/h, \(HumanFormat.decimal(spike.factor)) × its usual \(usual)/h "
            + "(+\(HumanFormat.value(spike.increase, of: metric)) since the last poll)"
        var event = context.event(
            .usageSpike, .warning, detail: detail, metric: metric, thresholdKey: "spike:\(metric.rawValue)", value: spike.value)
        event.ratePerHour = spike.ratePerHour
        event.baselinePerHour = spike.baselinePerHour
        event.factor = spike.factor
        return event
    }
}
