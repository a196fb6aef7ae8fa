import Prometheus
import SimWatchAlerts
import SimWatchCore

/// Every metric family's name, help text, labels and buckets.
///
/// Series with a fixed label set are created at start, so they read 0 rather than
/// being absent (rates and alerts then work from the first scrape). The registry
/// returns the existing series for a known name and labels, so the lazily labelled
/// ones (webhook names, event kinds) cost one lookup per call.
struct Families: Sendable {
    let registry: PrometheusCollectorRegistry

    let pollDuration: DurationHistogram
    package let cycleDuration: Gauge
    package let devices: Gauge
    package let outbox: Gauge
    let lastSuccess: Gauge
    let stateSaveDuration: Gauge
    let rateLimitPauses: Counter
    let inventory: Gauge
    let activeSilences: Gauge
    /// Every poll counts in one of these: kept at hand, not looked up per poll.
    private let pollCounters: [SimwatchMetrics.PollResult: Counter]

    /// Poll durations from a fast answer to a slow one with retries.
    static let pollBuckets: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]

    package init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        pollDuration = registry.makeDurationHistogram(
            descriptor: Self.name("simwatch_poll_duration_seconds",
                                  "Time one device's usage request took, retries included."),
            buckets: Self.pollBuckets)
        cycleDuration = registry.makeGauge(descriptor: Self.name(
            "simwatch_cycle_duration_seconds", "How long the last finished poll cycle took."))
        devices = registry.makeGauge(descriptor: Self.name("simwatch_devices", "Configured devices."))
        outbox = registry.makeGauge(descriptor: Self.name(
            "simwatch_outbox_events", "Events in the outbox waiting for delivery to at least one webhook."))
        lastSuccess = registry.makeGauge(descriptor: Self.name(
            "simwatch_last_successful_cycle_timestamp_seconds",
            "Unix time the last successful poll cycle ended; 0 before the first."))
        stateSaveDuration = registry.makeGauge(descriptor: Self.name(
            "simwatch_state_save_duration_seconds", "How long the last state file save took."))
        rateLimitPauses = registry.makeCounter(descriptor: Self.name(
            "simwatch_rate_limit_pauses_total",
            "Times Control Center rate limiting (429 or error 40000029) paused the account."))
        inventory = registry.makeGauge(descriptor: Self.name(
            "simwatch_inventory_devices", "SIMs in the account's inventory as Search Devices listed them (0 without fleet)."))
        activeSilences = registry.makeGauge(descriptor: Self.name(
            "simwatch_silences_active", "Silences from the silences file in force now."))
        let polls = Self.name("simwatch_polls_total", "Device usage polls by result.")
        pollCounters = Dictionary(uniqueKeysWithValues: SimwatchMetrics.PollResult.allCases.map { result in
            (result, registry.makeCounter(descriptor: polls, labels: [("result", result.rawValue)]))
        })
        for result in SimwatchMetrics.FeedResult.allCases { _ = feedPasses(result) }
        _ = cycles(succeeded: true)
        _ = cycles(succeeded: false)
        _ = stateSaves(succeeded: true)
        _ = stateSaves(succeeded: false)
        for kind in EventKind.allCases where kind != .test {
            _ = events(kind)
            _ = silencedEvents(kind)
        }
    }

    package func polls(_ result: SimwatchMetrics.PollResult) -> Counter {
        // Every result's counter was made at start.
        pollCounters[result]!
    }

    func feedPasses(_ result: SimwatchMetrics.FeedResult) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("simwatch_feed_passes_total", "Change-feed passes (Search Devices) by result."),
            labels: [("result", result.rawValue)])
    }

    func cycles(succeeded: Bool) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("simwatch_cycles_total", "Finished poll cycles by result."),
            labels: [("result", succeeded ? "ok" : "failed")])
    }

    package func events(_ kind: EventKind) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("simwatch_events_total", "Events raised, by kind."),
            labels: [("kind", kind.rawValue)])
    }

    package func silencedEvents(_ kind: EventKind) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("simwatch_events_silenced_total",
                                  "Events a silence or maintenance window kept from being sent, by kind."),
            labels: [("kind", kind.rawValue)])
    }

    func deliveries(webhook: String, _ result: DeliveryResult) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("simwatch_deliveries_total",
                                  "Webhook delivery attempts and dead-letterings, by webhook name and result."),
            labels: [("webhook", webhook), ("result", result.rawValue)])
    }

    func deliveryEvents(webhook: String, _ result: DeliveryResult) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("simwatch_delivery_events_total",
                                  "Events in webhook deliveries, by webhook name and result."),
            labels: [("webhook", webhook), ("result", result.rawValue)])
    }

    package func queued(webhook: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.name("simwatch_webhook_queued_events", "Events waiting for delivery, by webhook name."),
            labels: [("webhook", webhook)])
    }

    func stateSaves(succeeded: Bool) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("simwatch_state_saves_total", "State file saves by result."),
            labels: [("result", succeeded ? "ok" : "failed")])
    }

    func buildInfo(version: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.name("simwatch_build_info", "Always 1; the version label names the simwatch build."),
            labels: [("version", version)])
    }

    /// A family's full name as written (greppable), with its HELP text.
    private static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
