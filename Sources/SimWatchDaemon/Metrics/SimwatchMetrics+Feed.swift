import SimWatchControlCenter

extension SimwatchMetrics {
    /// How a change-feed pass ended, as the `result` label of `simwatch_feed_passes_total`.
    public enum FeedResult: String, Sendable, CaseIterable {
        case ok
        case failed
        /// The role may not call Search Devices, or the credentials were rejected.
        case refused

        /// The result of a pass that ended; `nil` for one that shutdown interrupted.
        init?(_ report: FeedPassReport) {
            switch report.failure {
            case nil: if report.interrupted { return nil } else { self = .ok }
            case .roleNotAllowed, .invalidCredentials: self = .refused
            default: self = .failed
            }
        }
    }

    /// A feed pass ended; `inventory` is the inventory's size after it.
    public func recordFeedPass(_ report: FeedPassReport, inventory: Int) {
        if let result = FeedResult(report) { families.feedPasses(result).increment() }
        families.inventory.set(Double(inventory))
    }
}
