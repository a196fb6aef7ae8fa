import SimWatchConfig
import SimWatchCore

extension DeviceUsage {
    /// The same record, its longer texts sharing the storage of equal ones already held.
    ///
    /// A fleet's 100,000 records repeat their ICCID (the configuration's, the ledger's key)
    /// and, poll after poll, their IMSI, status and plans. A text of more than 15 bytes
    /// is a heap allocation of its own; keeping the one already held instead of the one
    /// just decoded makes every cycle's records cost no new memory for them.
    func sharingStorage(with device: DeviceEntry, previous: DeviceUsage?) -> DeviceUsage {
        var usage = self
        if usage.iccid == device.iccid { usage.iccid = device.iccid }
        guard let previous else { return usage }
        func share(_ text: inout String?, _ held: String?) {
            if let held, held.utf8.count > 15, text == held { text = held }
        }
        share(&usage.imsi, previous.imsi)
        share(&usage.msisdn, previous.msisdn)
        share(&usage.imei, previous.imei)
        share(&usage.status, previous.status)
        share(&usage.ratePlan, previous.ratePlan)
        share(&usage.communicationPlan, previous.communicationPlan)
        share(&usage.overageLimitOverride, previous.overageLimitOverride)
        return usage
    }
}
