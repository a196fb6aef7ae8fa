import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore

/// `billing`, `forecast`, `spikes`, `digest` and `metrics.per_device`.
@Suite struct ConfigInsightTests {
    static let webhooks = """
        webhooks:
          - { name: chat, format: slack, url: https://hooks.example.com/a }
          - { name: json, format: generic, url: https://hooks.example.com/b }
          - { name: pager, format: pagerduty, routing_key_env: SIMWATCH_API_KEY }

        """

    @Test func defaultsAreOn() throws {
        let config = try loadedConfig(minimalYAML).config
        #expect(config.billing == BillingSettings())
        #expect(config.forecast == ForecastSettings())
        #expect(config.spikes == SpikeSettings())
        #expect(config.digest == nil)
        #expect(config.spikes?.minIncrease == [.data: 10_000_000, .sms: 20, .voice: 600, .sessions: 10])
    }

    @Test func everyKeyIsRead() throws {
        let yaml = minimalYAML + Self.webhooks + """
            billing: { cycle_start_day: 28, timezone: America/New_York }
            forecast: { above: 90%, min_elapsed: 5d, metrics: [data, sms, data] }
            spikes: { factor: 20, metrics: [sms], min_increase: { data: 1MB, voice: 5m } }
            digest: { at: "07:30", timezone: Europe/Berlin, webhooks: [json], top: 5 }
            metrics: { listen: 127.0.0.1:9464, per_device: true }
            """
        let config = try loadedConfig(yaml).config
        #expect(config.billing.cycleStartDay == 28)
        #expect(config.billing.timeZone.identifier == "America/New_York")
        #expect(config.forecast == ForecastSettings(abovePercent: 90, minElapsed: .seconds(5 * 86_400), metrics: [.data, .sms]))
        #expect(config.spikes?.factor == 20)
        #expect(config.spikes?.minIncrease[.data] == 1_000_000)
        #expect(config.spikes?.minIncrease[.voice] == 300)
        #expect(config.spikes?.minIncrease[.sms] == 20)
        #expect(config.digest == DigestSettings(hour: 7, minute: 30, timeZone: TimeZone(identifier: "Europe/Berlin")!,
                                                webhooks: ["json"], top: 5))
        #expect(config.digestWebhooks == ["json"])
        #expect(config.metrics?.perDevice == true)
    }

    @Test func offDisables() throws {
        let config = try loadedConfig(minimalYAML + "forecast: off\nspikes: off\n").config
        #expect(config.forecast == nil)
        #expect(config.spikes == nil)
    }

    @Test func digestDefaultsToTheChatWebhooks() throws {
        let config = try loadedConfig(minimalYAML + Self.webhooks + "digest: { at: \"08:00\" }\n").config
        #expect(config.digest?.webhooks == nil)
        #expect(config.digestWebhooks == ["chat"])
        #expect(config.digest?.timeZone.identifier == TimeZone.gmt.identifier)
    }

    @Test func errorsNameTheirPosition() {
        expectSingleIssue(minimalYAML + "billing: { cycle_start_day: 29 }\n", line: 6, column: 29,
                          keyPath: "billing.cycle_start_day", message: "must be at most 28")
        expectSingleIssue(minimalYAML + "billing: { timezone: Mars/Olympus }\n", line: 6, column: 22,
                          keyPath: "billing.timezone", message: "expected an IANA time zone")
        expectSingleIssue(minimalYAML + "forecast: { above: 0% }\n", line: 6, column: 20, keyPath: "forecast.above",
                          message: "must be more than 0%")
        expectSingleIssue(minimalYAML + "spikes: { factor: 0.5 }\n", line: 6, column: 19, keyPath: "spikes.factor",
                          message: "must be at least 1")
        expectSingleIssue(minimalYAML + "spikes: { colour: red }\n", line: 6, column: 11, keyPath: "spikes.colour",
                          message: "unknown key")
        expectSingleIssue(minimalYAML + "digest: { at: \"25:00\" }\n", line: 6, column: 15, keyPath: "digest.at",
                          message: "expected a time of day")
        expectSingleIssue(minimalYAML + "digest: { top: 3 }\n", line: 6, column: 9, keyPath: "digest.at",
                          message: "missing required key \"at\"")
        expectSingleIssue(minimalYAML + Self.webhooks + "digest: { at: \"08:00\", webhooks: [nope] }\n", line: 10, column: 35,
                          keyPath: "digest.webhooks[0]", message: "no webhook is named \"nope\"")
        expectSingleIssue(minimalYAML + Self.webhooks + "digest: { at: \"08:00\", webhooks: [pager] }\n", line: 10, column: 35,
                          keyPath: "digest.webhooks[0]", message: "it opens incidents")
        expectSingleIssue(minimalYAML + "metrics: { listen: 127.0.0.1:9464, per_device: yes }\n", line: 6, column: 48,
                          keyPath: "metrics.per_device", message: "expected true or false")
    }

    @Test func digestIsNoSubscribableKind() {
        let yaml = minimalYAML + "webhooks:\n  - { name: a, format: slack, url: https://h.example.com/x, kinds: [digest] }\n"
        #expect(configIssues(yaml).contains { $0.keyPath == "webhooks[0].kinds[0]" })
    }
}
