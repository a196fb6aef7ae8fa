extension DeviceUsage {
    /// This record with each unknown (`null`) counter taken from `earlier`.
    ///
    /// The stored record keeps the last known value of a counter that went missing for a
    /// poll, so a lower value after the gap (600 -> null -> 100) is still seen as a new
    /// billing cycle. Only what is stored changes; events carry the record as received.
    func keepingKnownCounters(of earlier: DeviceUsage?) -> DeviceUsage {
        guard let earlier else { return self }
        var merged = self
        merged.ctdDataUsage = ctdDataUsage ?? earlier.ctdDataUsage
        merged.ctdSMSUsage = ctdSMSUsage ?? earlier.ctdSMSUsage
        merged.ctdVoiceUsage = ctdVoiceUsage ?? earlier.ctdVoiceUsage
        merged.ctdSessionCount = ctdSessionCount ?? earlier.ctdSessionCount
        return merged
    }
}
