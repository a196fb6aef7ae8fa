import Testing
@testable import SimWatchConfig

/// Configuration errors never quote a scalar that may be a secret: not under a secret key,
/// and not when a URL or token was pasted under the wrong key.
@Suite struct ConfigSecretQuotingTests {
    static let token = "xoxb-CANARY0123456789abcdefghij"
    static let uuidKey = "3f2b9c1e-8a7d-4e6f-9b0a-1c2d3e4f5a6b"

    private func expectNoCanary(_ issues: [ConfigIssue], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!issues.isEmpty, sourceLocation: sourceLocation)
        let text = ConfigError(issues: issues).description
        #expect(!text.contains("CANARY") && !text.contains(Self.uuidKey), "leaked: \(text)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        // Wrong types under secret keys say what was expected, not what was there.
        "webhooks:\n  - { name: a, format: slack, url: [\"\(Canary.webhookURL)\", 2] }",
        "webhooks:\n  - { name: a, format: slack, url: { \"\(Canary.webhookURL)\": 1 } }",
        "webhooks:\n  - { name: a, format: pagerduty, routing_key_env: [\"\(uuidKey)\"] }",
        // A secret pasted where a path or variable name belongs.
        "webhooks:\n  - { name: a, format: slack, url_file: \"\(Canary.webhookURL)\" }",
        "webhooks:\n  - { name: a, format: pagerduty, routing_key_file: \"\(uuidKey)\" }",
        "webhooks:\n  - { name: a, format: slack, url_env: \"\(token)\" }",
        // A secret pasted under a key that is not secret at all.
        "webhooks:\n  - { name: a, format: \"\(Canary.webhookURL)\", url: \"https://x.example\" }",
        "webhooks: \"\(Canary.webhookURL)\"",
        "poll: \"\(Canary.webhookURL)\"",
        "poll: { interval: \"\(token)\" }",
        "log: { level: \"\(token)\" }",
        "metrics: { listen: \"\(Canary.webhookURL)\" }",
        "devices_file: [\"\(Canary.webhookURL)\"]",
        "thresholds:\n  - { metric: data, above: \"\(uuidKey)\" }",
        "plans:\n  \"\(Canary.webhookURL)\": { data: \"\(token)\" }",
        "webhooks:\n  - { name: a, format: slack, \"\(Canary.webhookURL)\": 1 }",
        "\(token): 1",
    ])
    func secretLookingValuesAreNotQuoted(extra: String) {
        expectNoCanary(configIssues(minimalYAML + extra + "\n"))
    }

    @Test func pastedSecretsInControlCenterAreNotQuoted() {
        for (key, value) in [("api_key_file", Self.uuidKey), ("api_key_env", Self.uuidKey), ("username", "[\"\(Self.token)\"]"),
                             ("base_url", "\"https://user:\(Self.token)@cc.example.com\""), ("timeout", Self.token)] {
            let yaml = minimalYAML
                .replacingOccurrences(of: "  api_key_env: SIMWATCH_API_KEY\n", with: key.hasPrefix("api_key") ? "" : "  api_key_env: SIMWATCH_API_KEY\n")
                .replacingOccurrences(of: "  username: apiuser\n", with: "  username: apiuser\n  \(key): \(value)\n")
            expectNoCanary(configIssues(yaml))
        }
    }

    @Test func aSecretPastedAsADeviceIsNotQuoted() {
        expectNoCanary(configIssues(minimalYAML.replacingOccurrences(of: "8988216716970004975", with: Self.token)))
    }

    @Test func aDuplicateKeyThatLooksLikeASecretIsNotQuoted() {
        expectNoCanary(configIssues(minimalYAML + "plans:\n  \"\(Canary.webhookURL)\": {}\n  \"\(Canary.webhookURL)\": {}\n"))
    }

    @Test(arguments: [
        (Canary.webhookURL, true), (token, true), (uuidKey, true), (uuidKey.uppercased(), true),
        ("a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", true), ("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", true),
        ("IoT_Europe_Pool_1GB_2024", false), ("SIMWATCH_PAGERDUTY_ROUTING_KEY_2", false), ("89882167169700049751234", false),
        ("slack_url_2024_production_v2.txt", false), ("credentials/a1b2c3d4e5f6a7b8c9d0e1f2", false), ("1h30m", false),
        ("status_changed", false), ("", false), ("99999999999999999d", false), ("1000000000000000000GiB", false), ("a1b2c3d4e5f6a7b8c9d0e1GB", true),
    ])
    func whatLooksLikeASecret(text: String, secret: Bool) {
        #expect(ConfigText.mayBeSecret(text) == secret)
    }

    @Test func aLongFileNameIsStillAFileName() throws {
        let directory = try TemporaryDirectory()
        try directory.write("slack_url_2024_production_v2.txt", "https://hooks.example.com/x\n")
        let yaml = minimalYAML + "webhooks:\n  - { name: a, format: slack, url_file: slack_url_2024_production_v2.txt }\n"
        #expect(try loadedConfig(yaml, path: directory.file("simwatch.yaml")).config.webhooks.count == 1)
        let missing = yaml.replacingOccurrences(of: "v2.txt", with: "v3.txt")
        let issues = configIssues(missing, path: directory.file("simwatch.yaml"))
        #expect(issues.first?.message.contains("slack_url_2024_production_v3.txt: No such file or directory") == true, "\(issues)")
    }

    @Test func ordinaryValuesAreStillQuoted() {
        expectSingleIssue(minimalYAML + "log: { level: loud }\n", line: 6, column: 15, keyPath: "log.level",
                          message: "got \"loud\"")
        expectSingleIssue(minimalYAML + "poll: { interval: 15 minutes }\n", line: 6, column: 19, keyPath: "poll.interval",
                          message: "got \"15 minutes\"")
        // ICCIDs are digits: a typo in one is shown.
        expectSingleIssue(minimalYAML.replacingOccurrences(of: "8988216716970004975", with: "89882167169700049751234"),
                          line: 5, column: 11, keyPath: "devices[0]", message: "got \"89882167169700049751234\"")
    }

    @Test(arguments: [
        ("url", true), ("api_key", true), ("routing_key", true), ("slack_url", true), ("auth_token", true),
        ("password", true), ("smtp_password", true), ("client_secret", true),
        ("url_file", false), ("api_key_env", false), ("routing_key_file", false), ("base_url", false), ("name", false),
        ("interval", false),
    ])
    func secretKeysByName(key: String, secret: Bool) {
        #expect(ConfigText.isSecretKey(key) == secret)
    }

    @Test func scrubbingRemovesTheValueFromAnyMessage() {
        let message = "expected a string; got \"hunter2-pass\" (hunter2-pass)"
        let scrubbed = ConfigText.scrub(message, value: "hunter2-pass", key: "password")
        #expect(!scrubbed.contains("hunter2"))
        #expect(ConfigText.scrub(message, value: "hunter2-pass", key: "name") == message)
        #expect(!ConfigText.scrub("got \(Canary.webhookURL)", value: Canary.webhookURL, key: nil).contains("CANARY"))
    }
}
