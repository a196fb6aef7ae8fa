import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchCore
@testable import SimWatchDaemon

@Suite struct MetricsFamiliesTests {
    static let families: [(name: String, type: String)] = [
        ("simwatch_polls_total", "counter"),
        ("simwatch_poll_duration_seconds", "histogram"),
        ("simwatch_cycle_duration_seconds", "gauge"),
        ("simwatch_cycles_total", "counter"),
        ("simwatch_devices", "gauge"),
        ("simwatch_events_total", "counter"),
        ("simwatch_deliveries_total", "counter"),
        ("simwatch_delivery_events_total", "counter"),
        ("simwatch_outbox_events", "gauge"),
        ("simwatch_webhook_queued_events", "gauge"),
        ("simwatch_last_successful_cycle_timestamp_seconds", "gauge"),
        ("simwatch_state_save_duration_seconds", "gauge"),
        ("simwatch_state_saves_total", "counter"),
        ("simwatch_rate_limit_pauses_total", "counter"),
        ("simwatch_feed_passes_total", "counter"),
        ("simwatch_inventory_devices", "gauge"),
        ("simwatch_build_info", "gauge"),
        ("simwatch_events_silenced_total", "counter"),
        ("simwatch_silences_active", "gauge"),
    ]

    @Test func everyFamilyHasHelpAndType() {
        let metrics = SimwatchMetrics()
        metrics.setWebhooks(["ops-chat"])
        let text = metrics.parsed
        #expect(text.malformed.isEmpty)
        for (name, type) in Self.families {
            #expect(text.type[name] == type, "TYPE of \(name)")
            #expect(!(text.help[name] ?? "").isEmpty, "HELP of \(name)")
            let series = text.samples.filter { $0.name == name || $0.name.hasPrefix(name + "_") }
            #expect(!series.isEmpty, "samples of \(name)")
        }
        #expect(Set(text.type.keys) == Set(Self.families.map(\.name)), "no family beyond the documented ones")
        #expect(text.samples.allSatisfy { $0.name.hasPrefix("simwatch_") })
    }

    @Test func fixedLabelSetsStartAtZero() {
        let text = SimwatchMetrics().parsed
        for result in ["ok", "not_found", "error", "invalid_credentials"] {
            #expect(text.value("simwatch_polls_total", ["result": result]) == 0)
        }
        for result in ["ok", "failed"] {
            #expect(text.value("simwatch_cycles_total", ["result": result]) == 0)
            #expect(text.value("simwatch_state_saves_total", ["result": result]) == 0)
        }
        #expect(text.samples("simwatch_events_total").count == EventKind.allCases.count - 1)
        #expect(text.value("simwatch_events_total", ["kind": "test"]) == nil)
        #expect(text.value("simwatch_last_successful_cycle_timestamp_seconds") == 0)
        #expect(text.samples("simwatch_deliveries_total").isEmpty, "no webhook known yet")
    }

    @Test func buildInfoCarriesTheVersion() {
        let text = SimwatchMetrics().parsed
        #expect(text.samples("simwatch_build_info") == [
            .init(name: "simwatch_build_info", labels: ["version": SimWatchVersion.current], value: 1),
        ])
    }

    @Test func pollsCountByResultAndFillTheHistogram() throws {
        let metrics = SimwatchMetrics()
        metrics.recordPoll(result: .ok, duration: .milliseconds(40))
        metrics.recordPoll(result: .ok, duration: .milliseconds(300))
        metrics.recordPoll(result: .notFound, duration: .seconds(2))
        metrics.recordPoll(result: .invalidCredentials, duration: .seconds(45))
        let text = metrics.parsed
        #expect(text.value("simwatch_polls_total", ["result": "ok"]) == 2)
        #expect(text.value("simwatch_polls_total", ["result": "not_found"]) == 1)
        #expect(text.value("simwatch_polls_total", ["result": "error"]) == 0)
        #expect(text.value("simwatch_polls_total", ["result": "invalid_credentials"]) == 1)

        let buckets = text.samples("simwatch_poll_duration_seconds_bucket")
        let byBound = Dictionary(uniqueKeysWithValues: buckets.compactMap { sample in
            sample.labels["le"].flatMap { bound in Double(bound == "+Inf" ? "inf" : bound).map { ($0, sample.value) } }
        })
        #expect(byBound.count == buckets.count, "every bucket has a numeric le")
        #expect(byBound[0.05] == 1)
        #expect(byBound[0.5] == 2)
        #expect(byBound[2.5] == 3)
        #expect(byBound[30] == 3)
        #expect(byBound[.infinity] == 4)
        #expect(text.value("simwatch_poll_duration_seconds_count") == 4)
        let sum = try #require(text.value("simwatch_poll_duration_seconds_sum"))
        #expect(abs(sum - 47.34) < 1e-9)
    }

    @Test func pollResultFromErrors() {
        #expect(SimwatchMetrics.PollResult(.invalidCredentials) == .invalidCredentials)
        #expect(SimwatchMetrics.PollResult(.deviceNotFound(iccid: "8988216716970004975")) == .notFound)
        #expect(SimwatchMetrics.PollResult(.rateLimited(retryAfter: nil)) == .error)
        #expect(SimwatchMetrics.PollResult(.serverError(status: 502, code: nil, message: nil)) == .error)
    }

    @Test func cyclesSetDurationDevicesAndLastSuccess() {
        let clock = TestClock()
        let metrics = SimwatchMetrics(now: { clock.now })
        metrics.recordCycle(succeeded: true, duration: .milliseconds(1500), devices: 12)
        clock.advance(60)
        metrics.recordCycle(succeeded: false, duration: .seconds(3), devices: 13, failure: "credentials rejected")
        let text = metrics.parsed
        #expect(text.value("simwatch_cycles_total", ["result": "ok"]) == 1)
        #expect(text.value("simwatch_cycles_total", ["result": "failed"]) == 1)
        #expect(text.value("simwatch_cycle_duration_seconds") == 3)
        #expect(text.value("simwatch_devices") == 13)
        // The failed cycle leaves the last success where it was.
        #expect(text.value("simwatch_last_successful_cycle_timestamp_seconds") == 1_800_000_000)
    }

    @Test func cycleReportFeedsTheSameSeries() {
        let metrics = SimwatchMetrics()
        metrics.recordCycle(CycleReport(cycle: 1, devices: 5, polled: 0, notFound: 0, failed: 5, events: 1,
                                        duration: .seconds(2), failure: "no device could be polled"))
        #expect(metrics.parsed.value("simwatch_cycles_total", ["result": "failed"]) == 1)
        #expect(metrics.parsed.value("simwatch_devices") == 5)
        #expect(metrics.healthCheck.lastFailure == "no device could be polled")
    }

    @Test func eventsCountByKind() {
        let metrics = SimwatchMetrics()
        metrics.recordEvents([metricsTestEvent(.statusChanged), metricsTestEvent(.statusChanged),
                              metricsTestEvent(.thresholdCrossed), metricsTestEvent(.test)])
        metrics.recordEvents([])
        let text = metrics.parsed
        #expect(text.value("simwatch_events_total", ["kind": "status_changed"]) == 2)
        #expect(text.value("simwatch_events_total", ["kind": "threshold_crossed"]) == 1)
        #expect(text.value("simwatch_events_total", ["kind": "test"]) == 1)
        #expect(text.value("simwatch_events_total", ["kind": "imei_changed"]) == 0)
    }

    @Test func deliveriesCountCallsAndEventsPerWebhookName() {
        let metrics = SimwatchMetrics()
        metrics.recordDelivery(webhook: "ops-chat", result: .delivered, events: 3)
        metrics.recordDelivery(webhook: "ops-chat", result: .delivered, events: 2)
        metrics.recordDelivery(webhook: "pager", result: .retried, events: 4)
        metrics.recordDelivery(webhook: "pager", result: .init(.rejected(reason: "HTTP 400")), events: 4)
        let text = metrics.parsed
        #expect(text.value("simwatch_deliveries_total", ["webhook": "ops-chat", "result": "delivered"]) == 2)
        #expect(text.value("simwatch_delivery_events_total", ["webhook": "ops-chat", "result": "delivered"]) == 5)
        #expect(text.value("simwatch_deliveries_total", ["webhook": "pager", "result": "retried"]) == 1)
        #expect(text.value("simwatch_deliveries_total", ["webhook": "pager", "result": "dead_lettered"]) == 1)
        #expect(text.value("simwatch_delivery_events_total", ["webhook": "pager", "result": "dead_lettered"]) == 4)
        #expect(text.samples("simwatch_deliveries_total").count == 3, "only the series that happened")
    }

    @Test func deliveryResultFromOutcome() {
        #expect(DeliveryResult(.delivered(status: 204)) == .delivered)
        #expect(DeliveryResult(.retry(reason: "HTTP 503", retryAfter: nil)) == .retried)
        #expect(DeliveryResult(.rejected(reason: "HTTP 404")) == .deadLettered)
    }

    @Test func setWebhooksCreatesTheirSeriesAtZero() {
        let metrics = SimwatchMetrics()
        metrics.setWebhooks(["ops-chat", "pager"])
        let text = metrics.parsed
        #expect(text.samples("simwatch_deliveries_total").count == 6)
        #expect(text.value("simwatch_deliveries_total", ["webhook": "pager", "result": "dead_lettered"]) == 0)
    }

    @Test func webhookNamesAreEscapedNotBroken() {
        let metrics = SimwatchMetrics()
        let name = #"chat "ops" \ team"#
        metrics.recordDelivery(webhook: name, result: .delivered, events: 1)
        let text = metrics.parsed
        #expect(text.malformed.isEmpty)
        #expect(text.value("simwatch_deliveries_total", ["webhook": name, "result": "delivered"]) == 1)
    }

    @Test func outboxAndStateSaves() {
        let metrics = SimwatchMetrics()
        metrics.setOutboxSize(7)
        metrics.recordStateSave(duration: .milliseconds(250), succeeded: true)
        metrics.recordStateSave(duration: .milliseconds(20), succeeded: false)
        metrics.setDevices(40)
        let text = metrics.parsed
        #expect(text.value("simwatch_outbox_events") == 7)
        #expect(text.value("simwatch_state_save_duration_seconds") == 0.02)
        #expect(text.value("simwatch_state_saves_total", ["result": "ok"]) == 1)
        #expect(text.value("simwatch_state_saves_total", ["result": "failed"]) == 1)
        #expect(text.value("simwatch_devices") == 40)
    }

    @Test func instancesAreIsolated() {
        let first = SimwatchMetrics()
        let second = SimwatchMetrics()
        first.recordPoll(result: .ok, duration: .seconds(1))
        #expect(first.parsed.value("simwatch_polls_total", ["result": "ok"]) == 1)
        #expect(second.parsed.value("simwatch_polls_total", ["result": "ok"]) == 0)
    }
}
