import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor

extension StatusReport {
    /// The billing cycles rows fall in, each worked out by the calendar once.
    ///
    /// A fleet's last polls fall in one or two cycles, and Foundation's calendar costs
    /// microseconds a row; cycles do not overlap, so the one that holds a date is the
    /// cycle `BillingCycle.period(containing:)` would name for it.
    struct CycleCache {
        let billing: BillingCycle
        /// The cycle `now` is in, for rows never observed.
        let current: CyclePeriod
        /// The cycles met so far; a few, but bounded for a file of scattered dates.
        private var known: [CyclePeriod]

        init(billing: BillingCycle, now: Date) {
            self.billing = billing
            current = billing.period(containing: now)
            known = [current]
        }

        mutating func period(containing date: Date?) -> CyclePeriod {
            guard let date else { return current }
            if let period = known.first(where: { $0.contains(date) }) { return period }
            let period = billing.period(containing: date)
            if known.count < 16 { known.append(period) }
            return period
        }
    }

    /// `45% to 31 Dec` for each row, named once for each cycle end and progress.
    struct DayNames {
        let billing: BillingCycle
        private var last: (progress: Double, end: Date, text: String)?

        init(billing: BillingCycle) { self.billing = billing }

        /// How far the billing cycle of the row's usage is.
        mutating func cycleCell(_ row: Row) -> String {
            guard let progress = row.cycleProgressPercent, let end = row.cycleEndsAt else { return "-" }
            if let last, last.progress == progress, last.end == end { return last.text }
            let text = "\(HumanFormat.decimal(progress.rounded()))% to \(billing.day(of: end.addingTimeInterval(-1)))"
            last = (progress, end, text)
            return text
        }
    }

    /// The allowance of each row's plan: a fleet's SIMs share a few plans, and comparing
    /// the name with the last one costs less than hashing it into the table, 100,000 times.
    struct PlanCache {
        let plans: [String: PlanAllowance]
        private var last: (name: String, plan: PlanAllowance?)?

        init(plans: [String: PlanAllowance]) { self.plans = plans }

        mutating func allowance(_ name: String) -> PlanAllowance? {
            if let last, last.name == name { return last.plan }
            let plan = plans[name]
            last = (name, plan)
            return plan
        }
    }
}
