import SimWatchCore

extension DeviceUsage {
    /// This record with each unknown field taken from `earlier`: what the state file stores.
    ///
    /// A field that is missing, `null` or empty (`imei: ""`, `status: " "`) is unknown
    /// (DESIGN.md, "Unknown values"): the stored record keeps its last known value, and
    /// the next answer is judged against that. So ACTIVATED -> "" -> DEACTIVATED is one
    /// `status_changed`, and a lower counter after a gap (600 -> null -> 100) is still a
    /// new billing cycle. Only what is stored changes; events carry the record as received.
    package func keepingKnownValues(of earlier: DeviceUsage?) -> DeviceUsage {
        guard let earlier else { return self }
        var merged = self
        merged.imsi = Detector.known(imsi) ?? earlier.imsi
        merged.msisdn = Detector.known(msisdn) ?? earlier.msisdn
        merged.imei = Detector.known(imei) ?? earlier.imei
        merged.status = Detector.known(status) ?? earlier.status
        merged.ratePlan = Detector.known(ratePlan) ?? earlier.ratePlan
        merged.communicationPlan = Detector.known(communicationPlan) ?? earlier.communicationPlan
        merged.ctdDataUsage = ctdDataUsage ?? earlier.ctdDataUsage
        merged.ctdSMSUsage = ctdSMSUsage ?? earlier.ctdSMSUsage
        merged.ctdVoiceUsage = ctdVoiceUsage ?? earlier.ctdVoiceUsage
        merged.ctdSessionCount = ctdSessionCount ?? earlier.ctdSessionCount
        merged.overageLimitReached = overageLimitReached ?? earlier.overageLimitReached
        merged.overageLimitOverride = Detector.known(overageLimitOverride) ?? earlier.overageLimitOverride
        return merged
    }
}
