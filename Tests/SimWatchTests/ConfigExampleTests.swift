import Foundation
import Testing
@testable import SimWatchConfig

/// `etc/simwatch.yaml` stays complete and valid.
@Suite struct ConfigExampleTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let examplePath = repositoryRoot.appendingPathComponent("etc/simwatch.yaml").path

    /// The example with its systemd credential paths pointed at fake secrets in `directory`.
    private func installExample(in directory: borrowing TemporaryDirectory) throws -> String {
        let original = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        #expect(original.contains("/run/credentials/simwatch.service/api_key"))
        let yaml = original.replacingOccurrences(of: "/run/credentials/simwatch.service/", with: directory.path + "/")
        try directory.write("simwatch.yaml", yaml)
        try directory.write("api_key", "fake-api-key\n")
        try directory.write("slack_url", "https://hooks.slack.com/services/T000/B000/XXXX\n")
        try directory.write("teams_url", "https://example.webhook.office.com/workflows/xyz\n")
        try directory.write("pagerduty_routing_key", "fake-routing-key\n")
        try directory.write("devices.txt", "# more trucks\n89011704252318147094 truck-19\n")
        return directory.file("simwatch.yaml")
    }

    @Test func exampleLoadsWithoutErrorsOrWarnings() throws {
        let directory = try TemporaryDirectory()
        let path = try installExample(in: directory)
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(path: path, environment: [:])
        } catch {
            Issue.record("etc/simwatch.yaml does not load:\n\(error)")
            return
        }
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        let config = loaded.config
        #expect(config.controlCenter.apiKey.reveal() == "fake-api-key")
        #expect(config.devices.count == 4)
        #expect(config.webhooks.map(\.format) == [.slack, .teams, .generic, .alertmanager, .pagerduty])
        #expect(config.webhooks.last?.url.reveal() == WebhookSettings.pagerDutyEventsURL)
        #expect(config.metrics?.listen == "127.0.0.1:9464")
        #expect(config.stateFile == "/var/lib/simwatch/state.json")
    }

    @Test func exampleMentionsEveryKey() throws {
        let text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        let keys = ConfigLoader.rootKeys + ConfigSections.controlCenterKeys + ConfigSections.pollKeys
            + ConfigSections.deliveryKeys + ConfigSections.metricsKeys + ConfigSections.logKeys
            + ConfigFleet.keys + ConfigDevices.entryKeys + ConfigThresholds.planKeys + ConfigThresholds.thresholdKeys + ConfigWebhooks.keys
            + ConfigInsight.billingKeys + ConfigInsight.forecastKeys + ConfigInsight.spikeKeys + ConfigInsight.digestKeys
        for key in keys {
            #expect(text.contains("\(key):"), "etc/simwatch.yaml does not show \(key)")
        }
        for format in WebhookFormat.allCases {
            #expect(text.contains(format.rawValue))
        }
    }
}
