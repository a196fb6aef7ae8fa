import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchState

/// A usage poll's effect on a SIM's record: the `DeviceLedger` rules, then what budgeted
/// polling learns from it. The change feed's partial observations go through `observe`
/// alone, so they never move the SIM's last poll or its rate.
extension DeviceLedger {
    /// Records a successful usage answer and updates the SIM's learned rate.
    public static func observeUsagePoll(
        _ usage: DeviceUsage, device: DeviceEntry, record: inout DeviceRecord, at observedAt: Date, epoch: String,
        rules: DetectionRules
    ) -> Detection {
        let before = record
        let detection = observe(usage, device: device, record: &record, at: observedAt, epoch: epoch, rules: rules)
        // A SIM found again starts a new baseline, and so a new rate.
        record.usageRate = UsageRate.learned(
            previous: before.notFound ? nil : before.usageRate, previousPoll: DueTime.lastPoll(before),
            last: before.notFound ? nil : before.last, current: usage, at: observedAt)
        return detection
    }

    /// Records a 404 / 20000001 answer to a usage poll: `notFound`'s rule, and the attempt counts as a poll.
    public static func usagePollNotFound(device: DeviceEntry, record: inout DeviceRecord, at: Date, epoch: String) -> Event? {
        let event = notFound(device: device, record: &record, at: at, epoch: epoch)
        record.usageRate = UsageRate.attempted(previous: record.usageRate, at: at)
        return event
    }
}
