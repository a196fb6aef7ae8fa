import Foundation
import Testing
@testable import SimWatchControlCenter
@testable import SimWatchDaemon

/// The change feed's metrics: passes by result and the inventory's size.
@Suite struct MetricsFeedTests {
    static func report(_ failure: ControlCenterError? = nil, interrupted: Bool = false) -> FeedPassReport {
        FeedPassReport(wholeAccount: false, pages: 1, listed: 0, skipped: 0, events: 0, duration: .zero,
                       failure: failure, interrupted: interrupted)
    }

    @Test func passesAreCountedByResult() {
        let metrics = SimwatchMetrics()
        for result in ["ok", "failed", "refused"] {
            #expect(metrics.parsed.value("simwatch_feed_passes_total", ["result": result]) == 0)
        }
        metrics.recordFeedPass(Self.report(), inventory: 120)
        metrics.recordFeedPass(Self.report(.serverError(status: 500, code: nil, message: nil)), inventory: 120)
        metrics.recordFeedPass(Self.report(.roleNotAllowed(function: "Search Devices", status: 403, code: nil)), inventory: 120)
        metrics.recordFeedPass(Self.report(.invalidCredentials), inventory: 121)
        metrics.recordFeedPass(Self.report(interrupted: true), inventory: 121)
        let text = metrics.parsed
        #expect(text.value("simwatch_feed_passes_total", ["result": "ok"]) == 1)
        #expect(text.value("simwatch_feed_passes_total", ["result": "failed"]) == 1)
        #expect(text.value("simwatch_feed_passes_total", ["result": "refused"]) == 2)
        #expect(text.value("simwatch_inventory_devices") == 121)
    }
}
