import Foundation
import Testing
@testable import SimWatchConfig

/// Secrets never reach error text, warnings, the summary, or descriptions of `Config`.
@Suite struct ConfigSecretTests {
    private func expectNoCanary(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains("CANARY"), "leaked: \(text)", sourceLocation: sourceLocation)
    }

    @Test func loadedConfigurationDoesNotShowItsSecrets() throws {
        let directory = try TemporaryDirectory()
        try directory.write("slack_url", Canary.webhookURL + "\n")
        let yaml = minimalYAML + """
            thresholds: [{ metric: data, above: 80% }]
            webhooks:
              - { name: inline, format: slack, url: "\(Canary.webhookURL)" }
              - { name: file, format: discord, url_file: slack_url }
              - { name: env, format: mattermost, url_env: HOOK_URL }
              - { name: pd, format: pagerduty, routing_key_env: PD_KEY }
            """
        var environment = canaryEnvironment
        environment["HOOK_URL"] = Canary.webhookURL
        environment["PD_KEY"] = Canary.routingKey
        let loaded = try loadedConfig(yaml, path: directory.file("simwatch.yaml"), environment: environment)
        let config = loaded.config
        #expect(config.webhooks.map { $0.url.reveal() }.filter { $0 == Canary.webhookURL }.count == 3)

        var dumped = ""
        dump(config, to: &dumped)
        expectNoCanary(dumped)
        expectNoCanary(String(describing: config))
        expectNoCanary(String(reflecting: config))
        expectNoCanary("\(config.controlCenter) \(config.webhooks)")
        expectNoCanary(config.summary())
        expectNoCanary(loaded.warnings.map(\.description).joined())
        #expect(!loaded.warnings.isEmpty)
        #expect(config.summary().contains("inline: slack -> https://hooks.example.com/…"))
    }

    @Test func errorsInAConfigurationFullOfSecretsDoNotShowThem() throws {
        let directory = try TemporaryDirectory()
        try directory.write("slack_url", Canary.webhookURL)
        let yaml = """
            control_center:
              base_url: https://apiuser:\(Canary.apiKey)@cc.example.com
              username: apiuser
              api_key_env: SIMWATCH_API_KEY
              rate_limit: 0
            devices: ["8988216716970004975", "12"]
            webhooks:
              - { name: inline, format: slak, url: "\(Canary.webhookURL)" }
              - { name: file, format: slack, url_file: slack_url, url: "\(Canary.webhookURL)" }
              - { name: bad, format: slack, url: "ftp://\(Canary.webhookURL)" }
              - { name: pasted, format: slack, url_env: "\(Canary.webhookURL)" }
            """
        let issues = configIssues(yaml, path: directory.file("simwatch.yaml"))
        #expect(issues.count == 7, "\(issues)")
        let error = ConfigError(issues: issues)
        expectNoCanary(error.description)
        expectNoCanary(String(reflecting: error))
        var dumped = ""
        dump(error, to: &dumped)
        expectNoCanary(dumped)
    }

    @Test func yamlSyntaxErrorsDoNotQuoteTheFile() {
        let unclosed = minimalYAML + "webhooks:\n  - { name: a, format: slack, url: \"\(Canary.webhookURL) }\n"
        let duplicate = minimalYAML + "webhooks:\n  - { name: a, url: \"\(Canary.webhookURL)\", name: b }\n"
        let tab = minimalYAML + "webhooks:\n\t- url: \(Canary.webhookURL)\n"
        for yaml in [unclosed, duplicate, tab] {
            let issues = configIssues(yaml)
            #expect(issues.count == 1)
            #expect(issues.first?.line ?? 0 >= 6, "\(issues)")
            expectNoCanary(issues.map(\.description).joined())
        }
    }
}
