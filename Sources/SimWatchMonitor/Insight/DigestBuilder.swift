import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchState

/// Builds the daily digest from the state file and the configuration: a pure function.
///
/// The daemon's daily digest and `simwatch digest` call the same builder on the same state,
/// so they show the same content. The period is the 24 h before `at`; the counts come from
/// the state's hourly activity buckets (whole hours: the bucket holding `at` and the 23
/// before it).
public enum DigestBuilder {
    /// Projected overages listed in the `digest` object at most; the text shows `top` of them.
    public static let maxProjectedOverages = 1_000

    public static func build(state: PersistentState, config: Config, at date: Date) -> DailyDigest {
        let settings = config.digest ?? DigestSettings()
        let billing = BillingCycle(config.billing)
        var byStatus: [String: Int] = [:]
        var top: [DailyDigest.TopUsage] = []
        var projected: [DailyDigest.ProjectedOverage] = []
        let watched = watchedDevices(state: state, config: config)
        for device in watched {
            let record = state.devices[device.iccid]
            let last = record?.last
            let status = Detector.known(last?.status) ?? Detector.known(state.inventory[device.iccid]?.status) ?? "UNKNOWN"
            byStatus[status, default: 0] += 1
            guard let last, let plan = last.ratePlan.flatMap({ config.plans[$0] }) else { continue }
            if let share = largestShare(of: last, plan: plan, device: device) { top.append(share) }
            if let forecast = config.forecast, let observedAt = record?.observedAt {
                let period = billing.period(containing: observedAt)
                // A record from an earlier cycle says nothing about this one's pace.
                guard period.contains(date) else { continue }
                for metric in forecast.metrics {
                    guard let limit = plan.allowance(for: metric), let value = last.counter(metric),
                          let projection = OverageProjection.project(metric, value: value, limit: limit, period: period,
                                                                     at: observedAt, minElapsed: forecast.minElapsed.seconds),
                          projection.projectedPercent >= forecast.abovePercent
                    else { continue }
                    projected.append(DailyDigest.ProjectedOverage(
                        iccid: device.iccid, deviceName: device.name, metric: metric,
                        projectedPercent: projection.projectedPercent, limitReachedAt: projection.limitReachedAt))
                }
            }
        }
        top.sort { ($0.percentOfPlan, $1.iccid) > ($1.percentOfPlan, $0.iccid) }
        projected.sort { ($0.projectedPercent, $1.iccid) > ($1.projectedPercent, $0.iccid) }
        let totals = state.activity.totals(before: date)
        return DailyDigest(
            periodStart: date.addingTimeInterval(-24 * 3600), periodEnd: date, devices: watched.count,
            byStatus: byStatus, events: totals.events, topUsage: Array(top.prefix(settings.top)),
            projectedOverages: Array(projected.prefix(maxProjectedOverages)), cycles: totals.cycles,
            pollsFailed: totals.pollsFailed)
    }

    /// Every watched SIM: the configured ones, and with discovery the whole inventory.
    static func watchedDevices(state: PersistentState, config: Config) -> [DeviceEntry] {
        guard config.fleet.discover else { return config.devices }
        let named = Set(config.devices.map(\.iccid))
        return config.devices + state.inventory.keys.filter { !named.contains($0) }.sorted().map { DeviceEntry(iccid: $0) }
    }

    /// The device's metric with the largest share of its plan; usage above 0 only.
    static func largestShare(of usage: DeviceUsage, plan: PlanAllowance, device: DeviceEntry) -> DailyDigest.TopUsage? {
        var best: DailyDigest.TopUsage?
        for metric in Metric.allCases {
            guard let limit = plan.allowance(for: metric), limit > 0, let value = usage.counter(metric), value > 0 else { continue }
            let percent = Double(value) / Double(limit) * 100
            if percent > (best?.percentOfPlan ?? -1) {
                best = DailyDigest.TopUsage(iccid: device.iccid, deviceName: device.name, metric: metric, value: value,
                                            limit: limit, percentOfPlan: percent)
            }
        }
        return best
    }

    /// The digest event of `state` at `date`: what the daemon raises and `simwatch digest` shows.
    public static func event(state: PersistentState, config: Config, at date: Date) -> Event {
        event(build(state: state, config: config, at: date), config: config, epoch: state.epoch, cycle: state.cycle)
    }

    /// The `digest` event: no ICCID, the text people read as its summary, the object for machines.
    public static func event(_ digest: DailyDigest, config: Config, epoch: String, cycle: Int) -> Event {
        let settings = config.digest ?? DigestSettings()
        let text = DigestText.render(digest, top: settings.top, billing: BillingCycle(config.billing))
        let id = EventFactory.eventID(
            epoch: epoch, iccid: nil, kind: .digest, previous: nil, current: nil,
            thresholdKey: Timestamp.rfc3339(digest.periodEnd), sequence: cycle)
        var event = Event(id: id, kind: .digest, severity: .info, observedAt: digest.periodEnd, summary: text)
        event.digest = digest
        return event
    }
}
