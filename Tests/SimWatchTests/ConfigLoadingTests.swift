import Foundation
import Logging
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchMonitor

/// Defaults, values in base units, files next to the configuration, and warnings.
@Suite struct ConfigLoadingTests {
    @Test func minimalConfigurationGetsEveryDefault() throws {
        let loaded = try loadedConfig(minimalYAML)
        let config = loaded.config
        #expect(config.path == "/nonexistent/simwatch.yaml")
        #expect(config.controlCenter.baseURL == "https://cc.example.com")
        #expect(config.controlCenter.username == "apiuser")
        #expect(config.controlCenter.apiKey.reveal() == Canary.apiKey)
        #expect(config.controlCenter.apiVersion == 1)
        #expect(config.controlCenter.timeout == .seconds(10))
        #expect(config.controlCenter.rateLimit == 5)
        #expect(config.controlCenter.concurrency == 1)
        #expect(config.poll.interval == .seconds(900))
        #expect(config.stateFile == "./simwatch-state.json")
        #expect(config.devices == [DeviceEntry(iccid: "8988216716970004975")])
        #expect(config.plans.isEmpty && config.thresholds.isEmpty && config.webhooks.isEmpty)
        #expect(config.delivery.maxAge == .seconds(86_400))
        #expect(config.delivery.groupWait == .seconds(10))
        #expect(config.delivery.maxRate == 1)
        #expect(config.metrics == nil)
        #expect(config.log.format == .logfmt)
        #expect(config.log.level == .info)
        #expect(loaded.warnings == [ConfigWarning(
            file: "/nonexistent/simwatch.yaml", line: 1, column: 1, keyPath: "webhooks",
            message: "no webhooks configured: events are only logged")])
    }

    @Test func everyKeyIsRead() throws {
        let yaml = """
            control_center:
              base_url: http://127.0.0.1:8080/
              username: 12345
              api_key_env: SIMWATCH_API_KEY
              api_version: 2
              timeout: 1500ms
              rate_limit: 0.5
              concurrency: 3
            poll: { interval: 1h30m }
            state_file: state/state.json
            devices:
              - "8988216716970004975"
              - { iccid: "89011704252318147060", name: truck-17, labels: { site: berlin, dock: 7 } }
            plans:
              "hphlr rp1": { data: 1GB, sms: 500, voice: 60m, sessions: 20 }
              empty:
            thresholds:
              - { metric: data, above: 500MB }
              - { metric: voice, above: 80%, severity: critical }
              - { metric: sms, above: 400, severity: info }
            webhooks:
              - name: ops-chat
                format: google_chat
                url: https://chat.example.com/hook
                kinds: [status_changed, threshold_crossed]
                min_severity: warning
                template: "{{summary}}"
            delivery: { max_age: 2h, group_wait: 0s, max_rate: 0.25 }
            metrics: { listen: "[::1]:9464" }
            log: { format: json, level: debug }
            """
        let config = try loadedConfig(yaml, path: "/etc/simwatch/simwatch.yaml").config
        #expect(config.controlCenter.baseURL == "http://127.0.0.1:8080")
        #expect(config.controlCenter.username == "12345")
        #expect(config.controlCenter.apiVersion == 2)
        #expect(config.controlCenter.timeout == .milliseconds(1500))
        #expect(config.controlCenter.rateLimit == 0.5)
        #expect(config.controlCenter.concurrency == 3)
        #expect(config.poll.interval == .seconds(5400))
        #expect(config.stateFile == "/etc/simwatch/state/state.json")
        #expect(config.devices[1] == DeviceEntry(
            iccid: "89011704252318147060", name: "truck-17", labels: ["site": "berlin", "dock": "7"]))
        #expect(config.plans["hphlr rp1"] == PlanAllowance(data: 1_000_000_000, sms: 500, voice: 3600, sessions: 20))
        #expect(config.plans["empty"] == PlanAllowance())
        #expect(config.thresholds == [
            Threshold(metric: .data, level: .absolute(500_000_000), severity: .warning),
            Threshold(metric: .voice, level: .percent(80), severity: .critical),
            Threshold(metric: .sms, level: .absolute(400), severity: .info),
        ])
        let webhook = try #require(config.webhooks.first)
        #expect(webhook.name == "ops-chat")
        #expect(webhook.format == .googleChat)
        #expect(webhook.url.reveal() == "https://chat.example.com/hook")
        #expect(webhook.kinds == [.statusChanged, .thresholdCrossed])
        #expect(webhook.minSeverity == .warning)
        #expect(webhook.template == "{{summary}}")
        #expect(webhook.routingKey == nil)
        #expect(config.delivery.maxAge == .seconds(7200))
        #expect(config.delivery.groupWait == .zero)
        #expect(config.delivery.maxRate == 0.25)
        #expect(config.metrics?.listen == "[::1]:9464")
        #expect(config.log.format == .json)
        #expect(config.log.level == .debug)
    }

    @Test(arguments: [
        ("/var/lib/simwatch", "/var/lib/simwatch/state.json"),
        ("/var/lib/simwatch/:/var/lib/other", "/var/lib/simwatch/state.json"),
        ("", "./simwatch-state.json"),
    ])
    func stateFileDefaultsToSystemdStateDirectory(directory: String, expected: String) throws {
        var environment = canaryEnvironment
        environment["STATE_DIRECTORY"] = directory
        #expect(try loadedConfig(minimalYAML, environment: environment).config.stateFile == expected)
    }

    @Test func secretFilesAreTrimmedAndResolvedNextToTheConfiguration() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("credentials"), withIntermediateDirectories: true)
        try directory.write("credentials/api_key", "  \(Canary.apiKey)\n")
        try directory.write("credentials/slack_url", "\(Canary.webhookURL)\r\n")
        try directory.write("credentials/pd", "\n\(Canary.routingKey)\n\n")
        let yaml = minimalYAML.replacingOccurrences(
            of: "api_key_env: SIMWATCH_API_KEY", with: "api_key_file: credentials/api_key") + """
            webhooks:
              - { name: chat, format: slack, url_file: credentials/slack_url }
              - { name: pd, format: pagerduty, routing_key_file: \(directory.file("credentials/pd")) }
              - { name: pd2, format: pagerduty, url_env: PD_URL, routing_key_env: PD_KEY }
            """
        let environment = ["PD_URL": " https://pd.example.com/enqueue ", "PD_KEY": "key\n"]
        let config = try loadedConfig(yaml, path: directory.file("simwatch.yaml"), environment: environment).config
        #expect(config.controlCenter.apiKey.reveal() == Canary.apiKey)
        #expect(config.webhooks.map { $0.url.reveal() } == [
            Canary.webhookURL, WebhookSettings.pagerDutyEventsURL, "https://pd.example.com/enqueue",
        ])
        #expect(config.webhooks.map { $0.routingKey?.reveal() } == [nil, Canary.routingKey, "key"])
    }

    @Test func devicesFileAddsDevicesAfterTheYAMLOnes() throws {
        let directory = try TemporaryDirectory()
        try directory.write("devices.txt", """
            # ICCID              name
            89011704252318147060 truck 17   # a comment
              89011704252318147078\r
            89011704252318147086 yard#2

            """)
        let config = try loadedConfig(
            minimalYAML + "devices_file: devices.txt\n", path: directory.file("simwatch.yaml")).config
        #expect(config.devices == [
            DeviceEntry(iccid: "8988216716970004975"),
            DeviceEntry(iccid: "89011704252318147060", name: "truck 17"),
            DeviceEntry(iccid: "89011704252318147078"),
            DeviceEntry(iccid: "89011704252318147086", name: "yard#2"),
        ])
    }

    @Test func devicesFileAloneIsEnough() throws {
        let directory = try TemporaryDirectory()
        try directory.write("devices.txt", "89011704252318147060\n")
        let yaml = minimalYAML.replacingOccurrences(
            of: "devices: [\"8988216716970004975\"]", with: "devices_file: \(directory.file("devices.txt"))")
        #expect(try loadedConfig(yaml).config.devices.map(\.iccid) == ["89011704252318147060"])
    }

    @Test func percentThresholdsWarnAboutPlansWithoutAllowance() throws {
        let yaml = minimalYAML + """
            plans:
              basic: { data: 1GB }
              voice-only: { voice: 60m }
            thresholds:
              - { metric: data, above: 80% }
              - { metric: data, above: 100% }
              - { metric: data, above: 2GB }
            webhooks: []
            """
        let warnings = try loadedConfig(yaml).warnings
        #expect(warnings.map(\.description) == [
            "/nonexistent/simwatch.yaml:10:28: warning: thresholds[0].above: plan \"voice-only\" has no data allowance: "
                + "this threshold never fires for its devices",
        ])
        let noPlans = try loadedConfig(minimalYAML + "thresholds: [{ metric: sms, above: 50% }]\nwebhooks: []\n").warnings
        #expect(noPlans.count == 1)
        #expect(noPlans.first?.keyPath == "thresholds[0].above")
        #expect(noPlans.first?.message.hasPrefix("no plans configured: percent thresholds never fire") == true)
    }

    @Test func fleetLargerThanOneIntervalsBudgetIsANoteAboutBudgetedPolling() throws {
        let iccids = (0..<20).map { "\"89011704252318147\(String(format: "%03d", $0))\"" }.joined(separator: ", ")
        let yaml = minimalYAML.replacingOccurrences(
            of: "devices: [\"8988216716970004975\"]", with: "devices: [\(iccids)]")
            .replacingOccurrences(of: "  api_key_env: SIMWATCH_API_KEY\n", with: "  api_key_env: SIMWATCH_API_KEY\n  rate_limit: 0.5\n")
            + "poll: { interval: 30s }\nwebhooks: []\n"
        let loaded = try loadedConfig(yaml)
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.notes.map(\.description).contains(
            "/nonexistent/simwatch.yaml:7:19: note: poll.interval: 20 devices are more than the 13 polls one interval of 30s "
                + "holds at 0.5 requests/s: polling is budgeted, SIMs closest to a threshold first, every SIM at least every 1d"))
        #expect(loaded.config.summary().contains(
            "a full cycle takes about 40s at the rate limit; more devices than the 13 polls an interval holds: budgeted, "
                + "every SIM at least every 1d"))
    }

    @Test func summaryShowsSettingsInPeoplesUnits() throws {
        let yaml = minimalYAML + """
            plans: { basic: { data: 1GB, voice: 3600 } }
            thresholds:
              - { metric: data, above: 500MB }
              - { metric: data, above: 80%, severity: critical }
            webhooks:
              - { name: chat, format: slack, url: "https://hooks.slack.com/services/T0/B0/XYZ", kinds: [threshold_crossed] }
            metrics: { listen: "127.0.0.1:9464" }
            """
        let summary = try loadedConfig(yaml).config.summary()
        let expected = [
            "Control Center: https://cc.example.com as apiuser (API v1, timeout 10s, 5 requests/s, 1 in flight)",
            "Devices: 1 (8988216716970004975)",
            "Poll: every 15m; a full cycle takes about 1s at the rate limit, which fits",
            "Fleet: discovery off: the configured devices only; change feed off",
            "State file: ./simwatch-state.json",
            "Plans:",
            "  \"basic\": data 1 GB, voice 1h",
            "Thresholds:",
            "  data >= 500 MB (warning)",
            "  data >= 80% of plan (critical)",
            "Webhooks:",
            "  chat: slack -> https://hooks.slack.com/…; kinds: threshold_crossed; min severity info",
            "Flapping: 4 changes within 1h make a device flapping",
            "Silences file: ./silences.json",
            "Maintenance windows: none",
            "Routes (event kinds -> webhooks):",
            "  status_changed, overage_limit_changed, overage_override_changed, rate_plan_changed, communication_plan_changed, "
                + "imei_changed, cycle_reset, device_not_found, device_discovered, poll_failed, poll_recovered, state_reset, "
                + "flapping, flapping_ended, overage_projected, usage_spike -> (none: only logged)",
            "  threshold_crossed -> chat",
            "Delivery: give up after 24h, group within 10s, at most 1 requests/s per webhook",
            "Metrics: http://127.0.0.1:9464/metrics and /healthz",
            "Log: logfmt, level info",
        ]
        #expect(summary.split(separator: "\n").map(String.init) == expected)
    }

    @Test func summaryShowsTheFirstFewDevices() throws {
        let yaml = minimalYAML.replacingOccurrences(
            of: "devices: [\"8988216716970004975\"]",
            with: "devices: [{ iccid: \"8988216716970004975\", name: truck-1 }, \"89011704252318147060\", "
                + "\"89011704252318147078\", \"89011704252318147086\"]")
        #expect(try loadedConfig(yaml).config.summary().contains(
            "Devices: 4 (truck-1 (8988216716970004975), 89011704252318147060, 89011704252318147078, … and 1 more)"))
    }

    @Test(arguments: [
        ("https://hooks.slack.com/services/T0/B0/XYZ", "https://hooks.slack.com/…"),
        ("http://127.0.0.1:8080/hook?token=abc", "http://127.0.0.1:8080/…"),
        ("https://user:pw@example.com/x", "https://example.com/…"),
        ("https://[::1]:9000/x", "https://[::1]:9000/…"),
        ("not a url", "<redacted>"),
        ("CANARY-TOKEN", "<redacted>"),
    ])
    func redactedURLKeepsOnlySchemeAndHost(url: String, expected: String) {
        #expect(redactedURL(url) == expected)
        #expect(redactedURL(Secret(url)) == expected)
    }
}
