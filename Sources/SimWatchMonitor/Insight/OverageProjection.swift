import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchState

/// Where a metric ends the billing cycle at the pace it has kept so far.
public struct Projection: Sendable, Equatable {
    public var metric: Metric
    public var value: Int64
    /// The plan allowance, base units.
    public var limit: Int64
    public var projectedValue: Int64
    /// `projectedValue` in percent of `limit`.
    public var projectedPercent: Double
    /// When the pace reaches 100 % of the plan.
    public var limitReachedAt: Date
    public var cycleEndsAt: Date
}

/// The cycle-pace projection of DESIGN.md "Insight": a pure rule.
///
/// projected = value × cycle length / elapsed; `limit_reached_at` = cycle start +
/// elapsed × allowance / value. Not before `min_elapsed`, and only while the value is
/// still below the allowance (past it, `threshold_crossed` and Control Center's own
/// overage flag speak).
public enum OverageProjection {
    /// The projection of `value` at `date`; `nil` when there is nothing to project.
    public static func project(
        _ metric: Metric, value: Int64, limit: Int64, period: CyclePeriod, at date: Date, minElapsed: TimeInterval
    ) -> Projection? {
        guard limit > 0, value > 0, value < limit else { return nil }
        let elapsed = period.elapsed(at: date)
        guard elapsed > 0, elapsed >= minElapsed, period.length > 0 else { return nil }
        let projected = Double(value) * (period.length / elapsed)
        let reached = period.start.addingTimeInterval(elapsed * (Double(limit) / Double(value)))
        return Projection(
            metric: metric, value: value, limit: limit, projectedValue: HumanFormat.clampedInt64(projected),
            projectedPercent: projected / Double(limit) * 100, limitReachedAt: reached, cycleEndsAt: period.end)
    }

    /// The projections that reach `forecast.above` for the first time this cycle; marks them fired.
    ///
    /// Marks of an earlier cycle are dropped first: the next cycle's start re-arms every
    /// metric (a `cycle_reset` re-arms them too, in `InsightLedger`).
    public static func evaluate(
        _ usage: DeviceUsage, plan: PlanAllowance?, period: CyclePeriod, at date: Date, settings: ForecastSettings,
        marks: inout InsightMarks
    ) -> [Projection] {
        if marks.projectedCycleStart != period.start {
            marks.projected = []
            marks.projectedCycleStart = nil
        }
        guard let plan else { return [] }
        var fired: [Projection] = []
        for metric in settings.metrics where !marks.projected.contains(metric) {
            guard let limit = plan.allowance(for: metric), let value = usage.counter(metric),
                  let projection = project(metric, value: value, limit: limit, period: period, at: date,
                                           minElapsed: settings.minElapsed.seconds),
                  projection.projectedPercent >= settings.abovePercent
            else { continue }
            marks.projected.insert(metric)
            marks.projectedCycleStart = period.start
            fired.append(projection)
        }
        return fired
    }
}
