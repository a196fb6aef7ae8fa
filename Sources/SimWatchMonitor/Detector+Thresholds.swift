import Foundation
import SimWatchConfig
import SimWatchCore

extension Detector {
    /// A threshold's level for one device, in the metric's base units.
    package struct ResolvedLevel: Equatable {
        /// The value that fires the threshold (`value >= level`).
        package var level: Int64
        /// For percent thresholds: the percent and the plan allowance it applies to.
        package var percent: Double?
        package var allowance: Int64?
    }

    /// `threshold_crossed` for every armed threshold the current counters reach; marks them fired.
    static func thresholdCrossings(
        _ input: DetectionInput, rules: DetectionRules, state: inout ThresholdState,
        _ context: DeviceEventContext
    ) -> (events: [Event], plansWithoutAllowance: Set<PlanMetric>) {
        var events: [Event] = []
        var missing: Set<PlanMetric> = []
        // A missing ratePlan is unknown, not a plan change: keep using the last one reported.
        let ratePlan = known(input.current.ratePlan) ?? input.previous.flatMap { known($0.ratePlan) }
        for threshold in rules.thresholds {
            guard let resolved = resolve(threshold, ratePlan: ratePlan, plans: rules.plans) else {
                missing.insert(PlanMetric(ratePlan: ratePlan, metric: threshold.metric))
                continue
            }
            let key = threshold.key
            guard !state.fired.contains(key),
                  let value = input.current.counter(threshold.metric),
                  value >= resolved.level
            else { continue }
            state.fired.insert(key)
            events.append(crossing(threshold, key: key, resolved: resolved, value: value, context))
        }
        return (events, missing)
    }

    /// The absolute level of a threshold; `nil` for a percent threshold whose plan has no
    /// (positive) allowance for the metric, which therefore never fires.
    package static func resolve(_ threshold: Threshold, ratePlan: String?, plans: [String: PlanAllowance]) -> ResolvedLevel? {
        switch threshold.level {
        case .absolute(let level):
            return ResolvedLevel(level: level)
        case .percent(let percent):
            guard let ratePlan, let allowance = plans[ratePlan]?.allowance(for: threshold.metric), allowance > 0
            else { return nil }
            return ResolvedLevel(
                level: ceilingLevel(Double(allowance) * percent / 100), percent: percent, allowance: allowance
            )
        }
    }

    /// The smallest whole value at or above `exact`, so `value >= level` matches the exact
    /// share; floating-point noise such as `80000000.00000001` does not push it up by one.
    static func ceilingLevel(_ exact: Double) -> Int64 {
        guard exact.isFinite else { return exact > 0 ? .max : 0 }
        let nearest = exact.rounded()
        let level = abs(exact - nearest) <= abs(exact) * 1e-12 ? nearest : exact.rounded(.up)
        if level >= 9.2e18 { return .max }
        return Int64(max(level, 0))
    }

    static func crossing(
        _ threshold: Threshold, key: String, resolved: ResolvedLevel, value: Int64, _ context: DeviceEventContext
    ) -> Event {
        let metric = threshold.metric
        guard let percent = resolved.percent, let allowance = resolved.allowance else {
            return context.event(
                .thresholdCrossed, threshold.severity,
                detail: "\(describe(value, of: metric)) reached threshold \(HumanFormat.value(resolved.level, of: metric))",
                metric: metric, threshold: resolved.level, thresholdKey: key, value: value
            )
        }
        let share = ((Double(value) / Double(allowance) * 100) * 10).rounded() / 10
        let detail = "\(describe(value, of: metric)) of \(HumanFormat.value(allowance, of: metric))"
            + " (\(HumanFormat.decimal(share)) %) reached \(HumanFormat.decimal(percent)) % threshold"
        return context.event(
            .thresholdCrossed, threshold.severity, detail: detail, metric: metric,
            threshold: resolved.level, thresholdKey: key, value: value,
            thresholdPercent: percent, percentOfPlan: share
        )
    }
}
