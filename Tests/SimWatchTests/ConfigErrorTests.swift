import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore

/// Every kind of configuration error, with its exact position and key path.
@Suite struct ConfigErrorTests {
    @Test func printsFileLineColumnKeyPathAndMessage() {
        let yaml = minimalYAML + """
            webhooks:
              - name: ops
                format: slak
                url: https://hooks.example.com/x
            """
        let issues = configIssues(yaml, path: "simwatch.yaml")
        #expect(issues.map(\.description) == [
            "simwatch.yaml:8:13: webhooks[0].format: expected one of slack, teams, discord, google_chat, "
                + "mattermost, generic, alertmanager, pagerduty, telegram, ntfy, opsgenie, email; got \"slak\"",
        ])
    }

    @Test func unknownKeySuggestsTheClosestKnownKey() {
        expectSingleIssue(minimalYAML + "poll:\n  intervall: 5m\n", line: 7, column: 3, keyPath: "poll.intervall",
                          message: "unknown key \"intervall\"; did you mean \"interval\"?")
    }

    @Test func unknownTopLevelKeySuggestsWhereItBelongs() {
        expectSingleIssue(minimalYAML + "interval: 5m\n", line: 6, column: 1, keyPath: "interval",
                          message: "did you mean \"poll.interval\"?")
    }

    @Test func unknownKeyWithoutCloseMatchListsTheKnownKeys() {
        expectSingleIssue(minimalYAML + "log:\n  colour: red\n", line: 7, column: 3, keyPath: "log.colour",
                          message: "expected one of format, level")
    }

    @Test func wrongTypeIsReportedAtTheValue() {
        expectSingleIssue(minimalYAML + "poll: 15m\n", line: 6, column: 7, keyPath: "poll",
                          message: "expected a mapping; got \"15m\"")
        expectSingleIssue(minimalYAML + "webhooks: { name: x }\n", line: 6, column: 11, keyPath: "webhooks",
                          message: "expected a list; got a mapping")
        expectSingleIssue(minimalYAML + "state_file: [a, b]\n", line: 6, column: 13, keyPath: "state_file",
                          message: "expected a string; got a list")
    }

    @Test func badDuration() {
        expectSingleIssue(minimalYAML + "poll:\n  interval: 15 minutes\n", line: 7, column: 13, keyPath: "poll.interval",
                          message: "expected a duration like 500ms, 30s, 5m, 2h or 1h30m; got \"15 minutes\"")
        expectSingleIssue(minimalYAML + "delivery:\n  max_age: 0s\n", line: 7, column: 12, keyPath: "delivery.max_age",
                          message: "must be more than 0")
    }

    @Test func badSize() {
        expectSingleIssue(minimalYAML + "plans:\n  basic: { data: 1XB }\n", line: 7, column: 18, keyPath: "plans.basic.data",
                          message: "expected a size like 500MB, 1GiB or a number of bytes; got \"1XB\"")
    }

    @Test func badPercentAndLevels() {
        let yaml = minimalYAML + """
            plans:
              basic: { data: 1GB, sms: 100 }
            thresholds:
              - { metric: data, above: eighty% }
              - { metric: data, above: 0% }
              - { metric: voice, above: 5 hours }
              - { metric: sms, above: 1.5 }
            """
        let issues = configIssues(yaml)
        #expect(issues.map(\.keyPath) == ["thresholds[0].above", "thresholds[1].above", "thresholds[2].above", "thresholds[3].above"])
        #expect(issues.map(\.line) == [9, 10, 11, 12])
        #expect(issues.map(\.column) == [28, 28, 29, 27])
        #expect(issues[0].message.contains("or a percent like 80%; got \"eighty%\""))
        #expect(issues[1].message == "must be more than 0%; got \"0%\"")
        #expect(issues[2].message.contains("a duration like 60m or a number of seconds"))
        #expect(issues[3].message.contains("a number of messages like 500"))
    }

    @Test func malformedICCIDs() {
        let yaml = minimalYAML.replacingOccurrences(of: "devices: [\"8988216716970004975\"]\n", with: "") + """
            devices:
              - 12345
              - 8988216716970004975123
              - "8988-2167-1697-0004"
              - 8.988e18
              - { iccid: 89882167169700049751 }
            """
        let issues = configIssues(yaml)
        #expect(issues.map(\.keyPath) == ["devices[0]", "devices[2]", "devices[3]"])
        #expect(issues.map(\.line) == [6, 8, 9])
        #expect(issues.allSatisfy { $0.column == 5 })
        #expect(issues[0].message == "expected an ICCID of 15 to 22 digits; got \"12345\"")
        #expect(issues[2].message.contains("\"8.988e18\""))
    }

    @Test func unquotedICCIDsKeepEveryDigit() throws {
        let yaml = minimalYAML.replacingOccurrences(of: "devices: [\"8988216716970004975\"]\n", with: "") + """
            devices:
              - 8988216716970004975123
              - { iccid: 89882167169700049751, name: truck }
            """
        let devices = try loadedConfig(yaml).config.devices
        #expect(devices.map(\.iccid) == ["8988216716970004975123", "89882167169700049751"])
    }

    @Test func duplicateICCIDsNameBothPlaces() {
        let yaml = minimalYAML + """
            webhooks: []
            """
        let duplicate = yaml.replacingOccurrences(
            of: "devices: [\"8988216716970004975\"]",
            with: "devices: [\"8988216716970004975\", { iccid: \"8988216716970004975\" }]")
        expectSingleIssue(duplicate, line: 5, column: 43, keyPath: "devices[1]",
                          message: "duplicate ICCID 8988216716970004975; first listed at /nonexistent/simwatch.yaml:5:11 (devices[0])")
    }

    @Test func duplicateICCIDAcrossDevicesFileNamesFileAndLine() throws {
        let directory = try TemporaryDirectory()
        try directory.write("devices.txt", """
            # fleet
            89011704252318147060 truck-17

              8988216716970004975   # listed in the YAML too
            123 too-short
            """)
        let issues = configIssues(minimalYAML + "devices_file: devices.txt\n", path: directory.file("simwatch.yaml"))
        let devicesFile = directory.file("devices.txt")
        #expect(issues.count == 2)
        #expect(issues.map(\.file) == [devicesFile, devicesFile])
        #expect(issues.map(\.line) == [4, 5])
        #expect(issues.map(\.column) == [3, 1])
        #expect(issues.allSatisfy { $0.keyPath == "devices_file" })
        #expect(issues[0].message == "duplicate ICCID 8988216716970004975; first listed at \(directory.file("simwatch.yaml")):5:11 (devices[0])")
        #expect(issues[1].message == "expected an ICCID of 15 to 22 digits; got \"123\"")
        #expect(issues[0].description.hasPrefix("\(devicesFile):4:3: devices_file: duplicate ICCID"))
    }

    @Test func unreadableDevicesFile() {
        expectSingleIssue(minimalYAML + "devices_file: missing.txt\n", line: 6, column: 15, keyPath: "devices_file",
                          message: "cannot read devices file /nonexistent/missing.txt: No such file or directory")
    }

    @Test func duplicateWebhookNames() {
        let yaml = minimalYAML + """
            webhooks:
              - { name: ops, format: generic, url: "http://127.0.0.1:1/a" }
              - { name: ops, format: generic, url: "http://127.0.0.1:1/b" }
            """
        expectSingleIssue(yaml, line: 8, column: 13, keyPath: "webhooks[1].name",
                          message: "duplicate webhook name \"ops\"; first used at webhooks[0]")
    }

    @Test func missingKeysAreReportedAtTheMappingThatLacksThem() {
        let yaml = """
            control_center:
              base_url: https://cc.example.com
              api_key_env: SIMWATCH_API_KEY
            devices: ["8988216716970004975"]
            webhooks:
              - format: slack
            """
        let issues = configIssues(yaml)
        #expect(issues.map(\.keyPath) == ["control_center.username", "webhooks[0].name", "webhooks[0]"])
        #expect(issues.map(\.line) == [2, 6, 6])
        #expect(issues.map(\.column) == [3, 5, 5])
        #expect(issues[0].message == "missing required key \"username\"")
        #expect(issues[2].message == "missing webhook URL: set one of url, url_file, url_env")
    }

    @Test func missingSectionsAreReportedAtTheRoot() {
        let issues = configIssues("log: { level: info }\n")
        #expect(issues.map(\.keyPath) == ["control_center", "devices"])
        #expect(issues.allSatisfy { $0.line == 1 && $0.column == 1 })
    }

    @Test(arguments: [
        ("ftp://cc.example.com", "expected an http or https URL"),
        ("cc.example.com", "expected an http or https URL"),
        ("https://cc.example.com/rws/api", "without a path"),
        ("https://cc.example.com?x=1", "without a path, query or fragment"),
        ("https://user:secret@cc.example.com", "must not contain a user name or password"),
    ])
    func badBaseURL(url: String, message: String) {
        let yaml = minimalYAML.replacingOccurrences(of: "https://cc.example.com", with: url)
        expectSingleIssue(yaml, line: 2, column: 13, keyPath: "control_center.base_url", message: message)
        let printed = configIssues(yaml).map(\.description).joined()
        #expect(!printed.contains("secret"))
    }

    @Test func rateLimitAndConcurrencyBounds() {
        let yaml = minimalYAML.replacingOccurrences(
            of: "  api_key_env: SIMWATCH_API_KEY\n",
            with: "  api_key_env: SIMWATCH_API_KEY\n  rate_limit: 0\n  concurrency: 0\n  api_version: x\n")
        let issues = configIssues(yaml)
        #expect(issues.map(\.keyPath) == ["control_center.api_version", "control_center.rate_limit", "control_center.concurrency"])
        #expect(issues.map(\.line) == [7, 5, 6])
        #expect(issues.map(\.message) == [
            "expected a whole number; got \"x\"", "must be more than 0; got 0", "must be at least 1; got 0",
        ])
        let negative = minimalYAML.replacingOccurrences(
            of: "  api_key_env: SIMWATCH_API_KEY\n", with: "  api_key_env: SIMWATCH_API_KEY\n  rate_limit: -2.5\n")
        expectSingleIssue(negative, line: 5, column: 15, keyPath: "control_center.rate_limit", message: "must be more than 0; got -2.5")
    }

    @Test func unknownEnumerationValues() {
        let yaml = minimalYAML + """
            thresholds:
              - { metric: bytes, above: 80%, severity: urgent }
            webhooks:
              - name: ops
                format: generic
                url: http://127.0.0.1:1/
                kinds: [status_changed, test, status_change]
                min_severity: high
            log: { format: text, level: verbose }
            """
        let issues = configIssues(yaml)
        #expect(issues.map(\.keyPath) == [
            "thresholds[0].metric", "thresholds[0].severity", "webhooks[0].kinds[1]", "webhooks[0].kinds[2]",
            "webhooks[0].min_severity", "log.format", "log.level",
        ])
        #expect(issues.map(\.line) == [7, 7, 12, 12, 13, 14, 14])
        #expect(issues.map(\.column) == [15, 44, 29, 35, 19, 16, 29])
        #expect(issues[0].message == "expected one of data, sms, voice, sessions; got \"bytes\"")
        #expect(issues[1].message == "expected one of info, warning, critical; got \"urgent\"")
        #expect(issues[2].message.hasPrefix("expected one of status_changed, overage_limit_changed,"))
        #expect(!issues[2].message.contains("test,") && issues[2].message.hasSuffix("flapping_ended; got \"test\""))
        #expect(issues[6].message == "expected one of trace, debug, info, notice, warning, error, critical; got \"verbose\"")
    }

    @Test func unreadableSecretFileNamesPathAndReasonOnly() throws {
        let directory = try TemporaryDirectory()
        let yaml = minimalYAML.replacingOccurrences(of: "api_key_env: SIMWATCH_API_KEY", with: "api_key_file: secrets/api_key")
        expectSingleIssue(yaml, line: 4, column: 17, keyPath: "control_center.api_key_file",
                          message: "cannot read API key file \(directory.file("secrets/api_key")): No such file or directory",
                          path: directory.file("simwatch.yaml"))
        try FileManager.default.createDirectory(atPath: directory.file("secrets/api_key"), withIntermediateDirectories: true)
        expectSingleIssue(yaml, line: 4, column: 17, keyPath: "control_center.api_key_file",
                          message: "Is a directory", path: directory.file("simwatch.yaml"))
    }

    @Test func emptySecretFile() throws {
        let directory = try TemporaryDirectory()
        try directory.write("api_key", " \n\n")
        let yaml = minimalYAML.replacingOccurrences(of: "api_key_env: SIMWATCH_API_KEY", with: "api_key_file: api_key")
        expectSingleIssue(yaml, line: 4, column: 17, keyPath: "control_center.api_key_file",
                          message: "API key file \(directory.file("api_key")) is empty", path: directory.file("simwatch.yaml"))
    }

    @Test func environmentVariablesMustBeSetAndNotEmpty() {
        expectSingleIssue(minimalYAML, line: 4, column: 16, keyPath: "control_center.api_key_env",
                          message: "environment variable SIMWATCH_API_KEY is not set", environment: [:])
        expectSingleIssue(minimalYAML, line: 4, column: 16, keyPath: "control_center.api_key_env",
                          message: "environment variable SIMWATCH_API_KEY is empty", environment: ["SIMWATCH_API_KEY": " \n"])
    }

    @Test func aSecretPastedIntoAnEnvKeyIsNotRepeated() {
        let yaml = minimalYAML.replacingOccurrences(of: "SIMWATCH_API_KEY", with: "s3cr3t-pasted-by-mistake")
        let issues = configIssues(yaml, environment: [:])
        #expect(issues.count == 1)
        #expect(issues.first?.message == "expected the name of an environment variable (A-Z, 0-9, _)")
        #expect(!issues.description.contains("s3cr3t"))
    }

    @Test func exactlyOneSourcePerSecret() {
        let both = minimalYAML + """
            webhooks:
              - name: ops
                format: slack
                url: https://hooks.example.com/a
                url_file: /run/credentials/simwatch.service/slack_url
            """
        expectSingleIssue(both, line: 10, column: 5, keyPath: "webhooks[0].url_file",
                          message: "give only one of url, url_file, url_env; \"url\" is already set")
        let apiKeyBoth = minimalYAML.replacingOccurrences(
            of: "  api_key_env: SIMWATCH_API_KEY\n", with: "  api_key_env: SIMWATCH_API_KEY\n  api_key_file: key\n")
        expectSingleIssue(apiKeyBoth, line: 5, column: 3, keyPath: "control_center.api_key_file",
                          message: "give only one of api_key_file, api_key_env")
        let neither = minimalYAML.replacingOccurrences(of: "  api_key_env: SIMWATCH_API_KEY\n", with: "")
        expectSingleIssue(neither, line: 2, column: 3, keyPath: "control_center",
                          message: "missing API key: set one of api_key_file, api_key_env")
    }

    @Test func webhookURLsMustBeHTTP() throws {
        let directory = try TemporaryDirectory()
        try directory.write("teams_url", "CANARY-TOKEN-not-a-url\n")
        let yaml = minimalYAML + """
            webhooks:
              - { name: a, format: slack, url: "hooks.example.com/CANARY-TOKEN" }
              - { name: b, format: teams, url_file: teams_url }
            """
        let issues = configIssues(yaml, path: directory.file("simwatch.yaml"))
        #expect(issues.map(\.keyPath) == ["webhooks[0].url", "webhooks[1].url_file"])
        #expect(issues.map(\.column) == [36, 41])
        #expect(issues[0].message == "expected an http or https URL")
        #expect(issues[1].message == "the file \(directory.file("teams_url")) does not hold an http or https URL")
        #expect(!issues.description.contains("CANARY"))
    }

    @Test func pagerDutyNeedsARoutingKeyAndOthersTakeNone() {
        let yaml = minimalYAML + """
            webhooks:
              - { name: pd, format: pagerduty }
              - { name: chat, format: slack, url: "https://hooks.example.com/x", routing_key_env: KEY }
            """
        let issues = configIssues(yaml)
        #expect(issues.map(\.keyPath) == ["webhooks[0]", "webhooks[1].routing_key_env"])
        #expect(issues.map(\.line) == [7, 8])
        #expect(issues.map(\.column) == [5, 70])
        #expect(issues[0].message == "missing PagerDuty routing key: set one of routing_key_file, routing_key_env")
        #expect(issues[1].message == "only pagerduty webhooks take a routing key")
    }

    @Test func emptyKindsListIsAMistake() {
        let yaml = minimalYAML + "webhooks:\n  - { name: a, format: generic, url: \"http://x/\", kinds: [] }\n"
        expectSingleIssue(yaml, line: 7, column: 58, keyPath: "webhooks[0].kinds", message: "lists no event kind")
    }

    @Test(arguments: ["9464", "localhost", "127.0.0.1:port", "::1:9464", ":9464", "127.0.0.1:70000"])
    func metricsListenMustBeHostAndPort(listen: String) {
        expectSingleIssue(minimalYAML + "metrics:\n  listen: \"\(listen)\"\n", line: 7, column: 11, keyPath: "metrics.listen",
                          message: "expected host:port, e.g. 127.0.0.1:9464; got \"\(listen)\"")
    }

    @Test func noDevicesAtAll() {
        let empty = minimalYAML.replacingOccurrences(of: "devices: [\"8988216716970004975\"]", with: "devices: []")
        expectSingleIssue(empty, line: 5, column: 10, keyPath: "devices", message: "no devices configured")
    }

    @Test func duplicateThresholds() {
        let yaml = minimalYAML + """
            thresholds:
              - { metric: data, above: 1GB }
              - { metric: data, above: 1000MB }
            """
        expectSingleIssue(yaml, line: 8, column: 28, keyPath: "thresholds[1].above",
                          message: "the same threshold as thresholds[0]: data>=1000000000")
    }

    @Test func invalidYAMLIsReportedWithItsPosition() {
        let issues = configIssues(minimalYAML + "poll:\n  interval: [5m\n")
        #expect(issues.count == 1)
        #expect(issues.first?.line ?? 0 >= 7)
        #expect(issues.first?.message.hasPrefix("invalid YAML:") == true)
        let duplicate = configIssues(minimalYAML + "poll: {}\npoll: {}\n")
        #expect(duplicate.map(\.message) == ["duplicate key \"poll\" in one mapping"])
        #expect(duplicate.first?.line == 6)
    }

    @Test func emptyAndNonMappingFiles() {
        #expect(configIssues("").map(\.message) == ["the file is empty; expected at least control_center and devices"])
        #expect(configIssues("- a\n").first?.message.hasPrefix("expected a mapping") == true)
    }

    @Test func unreadableConfigFile() {
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: "/nonexistent/simwatch.yaml", environment: [:]) }
        do throws(ConfigError) {
            _ = try ConfigLoader.load(path: "/nonexistent/simwatch.yaml", environment: [:])
        } catch {
            #expect(error.description == "/nonexistent/simwatch.yaml: cannot read the configuration file: No such file or directory")
        }
    }

    @Test func everyProblemIsReportedNotOnlyTheFirst() {
        let yaml = """
            control_center:
              base_url: gopher://cc
              username: apiuser
              api_key_env: UNSET_VARIABLE
              rate_limit: 0
            poll: { interval: soon }
            devices: ["1"]
            webhooks:
              - { name: a, format: slak }
            log: { level: loud }
            """
        let issues = configIssues(yaml, environment: [:])
        #expect(issues.count == 7, "\(issues)")
        #expect(Set(issues.map(\.line)) == [2, 4, 5, 6, 7, 9, 10])
    }
}
