import Foundation
import SimWatchCore

/// The digest as people read it: plain lines, the same on stdout (`digest --print`) and in
/// every chat format (which escape and fit it like any summary).
public enum DigestText {
    /// Cells of a share-of-plan bar: `▇▇▇▇▇▇░░░░ 62 %`.
    static let barCells = 10

    public static func render(_ digest: DailyDigest, top: Int, billing: BillingCycle) -> String {
        var lines = ["simwatch daily digest, \(Timestamp.minuteUTC(digest.periodEnd)) (last 24 h)"]
        let statuses = digest.byStatus.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .map { "\($0.key) \($0.value)" }.joined(separator: " · ")
        lines.append("Fleet: \(digest.devices) SIM\(digest.devices == 1 ? "" : "s")" + (statuses.isEmpty ? "" : ": \(statuses)"))
        lines.append("")
        lines.append("Top SIMs by share of plan:")
        if digest.topUsage.isEmpty { lines.append("  none with a plan allowance and usage") }
        for usage in digest.topUsage.prefix(top) {
            lines.append("  \(bar(usage.percentOfPlan)) \(HumanFormat.decimal(usage.percentOfPlan.rounded())) %  "
                + "\(title(usage.deviceName, usage.iccid)): \(usage.metric.rawValue) "
                + "\(HumanFormat.value(usage.value, of: usage.metric)) of \(HumanFormat.value(usage.limit, of: usage.metric))")
        }
        lines.append("")
        lines.append("Projected overages: \(digest.projectedOverages.count)")
        for overage in digest.projectedOverages.prefix(top) {
            lines.append("  \(title(overage.deviceName, overage.iccid)): \(overage.metric.rawValue) on pace for "
                + "\(HumanFormat.decimal(overage.projectedPercent.rounded())) % (limit reached around \(billing.day(of: overage.limitReachedAt)))")
        }
        if digest.projectedOverages.count > top { lines.append("  and \(digest.projectedOverages.count - top) more") }
        lines.append("")
        let events = digest.events.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .map { "\($0.key) \($0.value)" }.joined(separator: " · ")
        lines.append("Events: " + (events.isEmpty ? "none" : events))
        lines.append("Cycles: \(digest.cycles) · failed polls: \(digest.pollsFailed)")
        return lines.joined(separator: "\n")
    }

    /// `▇▇▇▇▇▇░░░░`: a cell per 10 %, full at 100 % and above.
    static func bar(_ percent: Double) -> String {
        let filled = percent.isNaN ? 0 : Int(min(max((percent / 10).rounded(), 0), Double(barCells)))
        return String(repeating: "▇", count: filled) + String(repeating: "░", count: barCells - filled)
    }

    private static func title(_ name: String?, _ iccid: String) -> String {
        guard let name, !name.isEmpty else { return iccid }
        return "\(name) (\(iccid))"
    }
}
