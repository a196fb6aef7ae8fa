import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore

/// The settings of the telegram, ntfy, opsgenie and email webhooks: what loads, and
/// every mistake reported at its position without showing a secret.
@Suite struct ConfigReceiversTests {
    static let environment = canaryEnvironment.merging([
        "TG_URL": "https://api.telegram.org/bot123456:CANARY-TOKEN/sendMessage",
        "NTFY_TOKEN": "tk_CANARY", "GENIE_KEY": Canary.routingKey, "SMTP_PASSWORD": "CANARY-PASSWORD",
    ]) { $1 }

    /// `webhooks:` with one entry whose lines follow `- name: hook` (line 7 on).
    static func webhook(_ lines: String) -> String {
        minimalYAML + "webhooks:\n  - name: hook\n" + lines.split(separator: "\n").map { "    \($0)\n" }.joined()
    }

    static func load(_ lines: String) throws -> WebhookSettings {
        let config = try loadedConfig(webhook(lines), environment: environment).config
        return try #require(config.webhooks.first)
    }

    @Test func telegramTakesAChatIDAndItsURLFromTheEnvironment() throws {
        let numeric = try Self.load("format: telegram\nurl_env: TG_URL\nchat_id: -1001234567890")
        guard case .telegram(let telegram) = numeric.settings else { Issue.record("\(numeric.format)"); return }
        #expect(telegram.chatID == .number(-1_001_234_567_890))
        let channel = try Self.load("format: telegram\nurl_env: TG_URL\nchat_id: \"@simwatch_ops\"")
        #expect(channel.settings.summary == "chat @simwatch_ops")
    }

    @Test func aTelegramURLWithoutSendMessageIsAWarningThatHidesIt() throws {
        let env = Self.environment.merging(["TG_BARE": "https://api.telegram.org/bot123456:CANARY-TOKEN"]) { $1 }
        let loaded = try loadedConfig(Self.webhook("format: telegram\nurl_env: TG_BARE\nchat_id: 1"), environment: env)
        let warning = try #require(loaded.warnings.first)
        #expect(loaded.warnings.count == 1)
        #expect(warning.keyPath == "webhooks[0].url_env" && warning.line == 9)
        #expect(warning.message.contains("bot<TOKEN>/sendMessage") && !warning.message.contains("CANARY"))
        #expect(try loadedConfig(Self.webhook("format: telegram\nurl_env: TG_URL\nchat_id: 1"), environment: env).warnings.isEmpty)
    }

    @Test func telegramErrorsSayWhere() {
        expectSingleIssue(
            Self.webhook("format: telegram\nurl_env: TG_URL"), line: 7, column: 5, keyPath: "webhooks[0].chat_id",
            message: "missing required key \"chat_id\"", environment: Self.environment)
        expectSingleIssue(
            Self.webhook("format: telegram\nurl_env: TG_URL\nchat_id: ops channel"), line: 10, column: 14,
            keyPath: "webhooks[0].chat_id", message: "expected a numeric chat id", environment: Self.environment)
        expectSingleIssue(
            Self.webhook("format: telegram\nurl_env: TG_URL\nchat_id: 123456789012345678901234567890"), line: 10,
            column: 14, keyPath: "webhooks[0].chat_id", message: "out of range", environment: Self.environment)
        expectSingleIssue(
            Self.webhook("format: slack\nurl_env: TG_URL\nchat_id: 1"), line: 10, column: 5,
            keyPath: "webhooks[0].chat_id", message: "only telegram webhooks take a chat_id", environment: Self.environment)
    }

    @Test func ntfyTokenIsOptionalAndSecret() throws {
        let open = try Self.load("format: ntfy\nurl: https://ntfy.sh/fleet-alerts")
        guard case .ntfy(let plain) = open.settings else { Issue.record("\(open.format)"); return }
        #expect(plain.token == nil)
        let closed = try Self.load("format: ntfy\nurl: https://ntfy.example.com/fleet\ntoken_env: NTFY_TOKEN")
        #expect(closed.settings.secrets.map { $0.reveal() } == ["tk_CANARY"])
        #expect(closed.settings.summary == "access token set")
        expectSingleIssue(
            Self.webhook("format: ntfy\nurl: https://ntfy.sh/x\ntoken_env: MISSING_TOKEN"), line: 10, column: 16,
            keyPath: "webhooks[0].token_env", message: "environment variable MISSING_TOKEN is not set",
            environment: Self.environment)
    }

    @Test func opsgenieDefaultsToTheUSRegionAndNeedsItsKey() throws {
        let us = try Self.load("format: opsgenie\napi_key_env: GENIE_KEY")
        #expect(us.url.reveal() == "https://api.opsgenie.com/v2/alerts")
        #expect(us.settings.secrets.map { $0.reveal() } == [Canary.routingKey])
        let eu = try Self.load("format: opsgenie\nurl: https://api.eu.opsgenie.com/v2/alerts\napi_key_env: GENIE_KEY")
        #expect(eu.url.reveal() == "https://api.eu.opsgenie.com/v2/alerts")
        expectSingleIssue(
            Self.webhook("format: opsgenie"), line: 7, column: 5, keyPath: "webhooks[0]",
            message: "missing Opsgenie API key: set one of api_key_file, api_key_env", environment: Self.environment)
    }

    @Test func emailTakesSenderRecipientsAndALogin() throws {
        let hook = try Self.load("""
            format: email
            url: smtp://smtp.example.com:587
            from: simwatch@example.com
            to: [ops@example.com, noc@example.org]
            username: simwatch
            password_env: SMTP_PASSWORD
            """)
        guard case .email(let email) = hook.settings else { Issue.record("\(hook.format)"); return }
        #expect(email.from == "simwatch@example.com")
        #expect(email.to == ["ops@example.com", "noc@example.org"])
        #expect(email.login?.username == "simwatch")
        #expect(hook.settings.secrets.map { $0.reveal() } == ["CANARY-PASSWORD"])
        #expect(hook.settings.summary == "from simwatch@example.com to ops@example.com, noc@example.org; SMTP AUTH as simwatch")
        let single = try Self.load("format: email\nurl: smtps://mail.example.com\nfrom: a@example.com\nto: b@example.com")
        guard case .email(let plain) = single.settings else { return }
        #expect(plain.to == ["b@example.com"])
        #expect(plain.login == nil)
    }

    @Test func emailErrorsSayWhere() {
        let env = Self.environment
        expectSingleIssue(
            Self.webhook("format: email\nurl: smtps://mail.example.com\nto: [b@example.com]"), line: 7, column: 5,
            keyPath: "webhooks[0].from", message: "missing required key \"from\"", environment: env)
        expectSingleIssue(
            Self.webhook("format: email\nurl: smtps://mail.example.com\nfrom: a@example.com"), line: 7, column: 5,
            keyPath: "webhooks[0].to", message: "missing required key \"to\"", environment: env)
        expectSingleIssue(
            Self.webhook("format: email\nurl: smtps://mail.example.com\nfrom: a@example.com\nto: []"), line: 11,
            column: 9, keyPath: "webhooks[0].to", message: "lists no recipient", environment: env)
        // A header injection through an address is refused where it is written.
        expectSingleIssue(
            Self.webhook("format: email\nurl: smtps://mail.example.com\nfrom: a@example.com\nto: [ok@example.com, \"x@example.com\\r\\nBcc: evil@example.com\"]"),
            line: 11, column: 26, keyPath: "webhooks[0].to[1]", message: "expected an e-mail address", environment: env)
        expectSingleIssue(
            Self.webhook("format: email\nurl: smtps://mail.example.com\nfrom: a@example.com\nto: b@example.com\npassword_env: SMTP_PASSWORD"),
            line: 12, column: 5, keyPath: "webhooks[0].password_env", message: "a password needs a username", environment: env)
        expectSingleIssue(
            Self.webhook("format: email\nurl: smtps://mail.example.com\nfrom: a@example.com\nto: b@example.com\nusername: me"),
            line: 7, column: 5, keyPath: "webhooks[0]", message: "missing SMTP password", environment: env)
    }

    @Test func emailNeedsAnSMTPURLAndOnlyEmailMayHaveOne() {
        let env = Self.environment
        expectSingleIssue(
            Self.webhook("format: email\nurl: https://mail.example.com\nfrom: a@example.com\nto: b@example.com"),
            line: 9, column: 10, keyPath: "webhooks[0].url", message: "expected an smtp or smtps URL", environment: env)
        expectSingleIssue(
            Self.webhook("format: slack\nurl: smtp://mail.example.com"), line: 9, column: 10, keyPath: "webhooks[0].url",
            message: "expected an http or https URL", environment: env)
        expectSingleIssue(
            Self.webhook("format: slack\nurl: https://hooks.example.com/x\nfrom: a@example.com"), line: 10, column: 5,
            keyPath: "webhooks[0].from", message: "only email webhooks take from", environment: env)
    }

    @Test func noErrorShowsASecret() {
        let issues = configIssues(
            Self.webhook("format: telegram\nurl_env: TG_URL\nchat_id: nope\napi_key_env: GENIE_KEY\ntoken_env: NTFY_TOKEN"),
            environment: Self.environment)
        #expect(issues.count == 3, "\(issues)")
        let text = issues.map(\.description).joined(separator: "\n")
        for secret in ["CANARY", "tk_", "123456:"] { #expect(!text.contains(secret)) }
    }

    @Test func checkShowsEachReceiverWithoutItsSecrets() throws {
        let yaml = minimalYAML + """
            webhooks:
              - { name: tg, format: telegram, url_env: TG_URL, chat_id: "-100123" }
              - { name: push, format: ntfy, url: "https://ntfy.example.com/fleet", token_env: NTFY_TOKEN }
              - { name: genie, format: opsgenie, api_key_env: GENIE_KEY }
              - { name: mail, format: email, url: "smtp://smtp.example.com:587", from: a@example.com, to: [b@example.com], username: a, password_env: SMTP_PASSWORD }
            """
        let summary = try loadedConfig(yaml, environment: Self.environment).config.summary()
        for line in [
            "tg: telegram -> https://api.telegram.org/…; kinds: all; min severity info; chat -100123",
            "push: ntfy -> https://ntfy.example.com/…; kinds: all; min severity info; access token set",
            "genie: opsgenie -> https://api.opsgenie.com/…; kinds: all; min severity info; API key set",
            "mail: email -> smtp://smtp.example.com:587/…; kinds: all; min severity info; from a@example.com to b@example.com; SMTP AUTH as a",
        ] {
            #expect(summary.contains(line), "\(summary)")
        }
        for secret in ["CANARY", "tk_", "123456:"] { #expect(!summary.contains(secret)) }
    }

    /// The example's receivers are commented out (their secrets are not installed by
    /// default); uncommented, they load.
    @Test func theExamplesCommentedReceiversLoad() throws {
        let example = try String(contentsOfFile: ConfigExampleTests.examplePath, encoding: .utf8)
        let start = try #require(example.range(of: "  # More receivers"))
        let end = try #require(example.range(of: "\ndelivery:"))
        let block = example[start.lowerBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("  # More") && !$0.hasPrefix("  # each") }
            .map { $0.hasPrefix("  # ") ? "  " + $0.dropFirst(4) : String($0) }
            .joined(separator: "\n")
        let directory = try TemporaryDirectory()
        for name in ["telegram_url", "ntfy_token", "opsgenie_api_key", "smtp_password"] {
            try directory.write(name, name == "telegram_url" ? "https://api.telegram.org/bot1:x/sendMessage\n" : "secret\n")
        }
        let yaml = (minimalYAML + "webhooks:\n" + block)
            .replacingOccurrences(of: "/run/credentials/simwatch.service/", with: directory.path + "/")
        let config = try loadedConfig(yaml).config
        #expect(config.webhooks.map(\.format) == [.telegram, .ntfy, .opsgenie, .email])
    }
}
