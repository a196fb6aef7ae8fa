import Foundation
import Testing
@testable import SimWatchDaemon

@Suite struct MetricsHealthTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let interval: Duration = .seconds(300)

    /// One row of the decision table: the facts, the time since the start, and the answer.
    struct Row: CustomTestStringConvertible, Sendable {
        let label: String
        let lastSuccessAfter: TimeInterval?
        let lastFailure: String?
        let now: TimeInterval
        let healthy: Bool
        /// Words the reason must contain when unhealthy.
        let reasonContains: [String]
        var testDescription: String { label }
    }

    static let table: [Row] = [
        Row(label: "just started", lastSuccessAfter: nil, lastFailure: nil, now: 1, healthy: true, reasonContains: []),
        Row(label: "starting, at exactly two intervals", lastSuccessAfter: nil, lastFailure: nil, now: 600,
            healthy: true, reasonContains: []),
        Row(label: "no cycle finished within two intervals", lastSuccessAfter: nil, lastFailure: nil, now: 601,
            healthy: false, reasonContains: ["no poll cycle has finished", "10m", "5m each"]),
        Row(label: "first cycle failed", lastSuccessAfter: nil, lastFailure: "credentials rejected (HTTP 401)",
            now: 30, healthy: false, reasonContains: ["since the start", "credentials rejected (HTTP 401)"]),
        Row(label: "recent success", lastSuccessAfter: 100, lastFailure: nil, now: 400, healthy: true,
            reasonContains: []),
        Row(label: "success exactly two intervals ago", lastSuccessAfter: 100, lastFailure: nil, now: 700,
            healthy: true, reasonContains: []),
        Row(label: "one failure after a recent success", lastSuccessAfter: 100, lastFailure: "API unreachable",
            now: 500, healthy: true, reasonContains: []),
        Row(label: "success too long ago", lastSuccessAfter: 100, lastFailure: nil, now: 701, healthy: false,
            reasonContains: ["no successful poll cycle for 10m", "5m each"]),
        Row(label: "stale success and failing", lastSuccessAfter: 100, lastFailure: "API unreachable", now: 1000,
            healthy: false, reasonContains: ["15m", "the last one failed: API unreachable"]),
        Row(label: "clock stepped back", lastSuccessAfter: 100, lastFailure: nil, now: 50, healthy: true,
            reasonContains: []),
    ]

    @Test(arguments: table) func decision(_ row: Row) {
        let check = HealthCheck(
            startedAt: Self.start, interval: Self.interval,
            lastSuccess: row.lastSuccessAfter.map { Self.start + $0 }, lastFailure: row.lastFailure)
        let status = check.evaluate(now: Self.start + row.now)
        #expect(status.isHealthy == row.healthy)
        if case .unhealthy(let reason) = status {
            for words in row.reasonContains { #expect(reason.contains(words), "\(reason)") }
            #expect(!reason.contains("\n"))
        }
    }

    @Test func reasonStaysOnOneLine() {
        let check = HealthCheck(startedAt: Self.start, interval: Self.interval, lastFailure: "first\nsecond\r\nthird")
        #expect(check.evaluate(now: Self.start) == .unhealthy(
            reason: "no poll cycle has succeeded since the start; the last one failed: first second third"))
    }

    @Test func metricsTrackCyclesForHealth() {
        let clock = TestClock(Self.start)
        let metrics = SimwatchMetrics(pollInterval: .seconds(60), now: { clock.now })
        #expect(metrics.currentHealth() == .healthy)
        clock.advance(30)
        metrics.recordCycle(succeeded: false, duration: .seconds(1), devices: 1, failure: "API unreachable")
        #expect(metrics.currentHealth() == .unhealthy(
            reason: "no poll cycle has succeeded since the start; the last one failed: API unreachable"))
        metrics.recordCycle(succeeded: true, duration: .seconds(1), devices: 1)
        #expect(metrics.currentHealth() == .healthy)
        #expect(metrics.healthCheck.lastFailure == nil)
        clock.advance(121)
        #expect(!metrics.currentHealth().isHealthy)
        // A longer interval after a reload widens the window.
        metrics.setPollInterval(.seconds(120))
        #expect(metrics.currentHealth() == .healthy)
    }
}
