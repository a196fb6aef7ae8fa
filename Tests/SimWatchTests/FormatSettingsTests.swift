import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore

/// Each format's own settings are typed and read by the format's own parser.
@Suite struct FormatSettingsTests {
    private let webhooks = """
        webhooks:
          - { name: chat, format: slack, url: "https://hooks.example.com/x", template: "{{iccid}} {{summary}}" }
          - { name: plain, format: discord, url: "https://discord.example.com/x" }
          - { name: pd, format: pagerduty, routing_key_env: PD_KEY }
          - { name: am, format: alertmanager, url: "https://am.example.com/api/v2/alerts", template: "{{summary}}" }
        """

    @Test func settingsAreTypedPerFormat() throws {
        var environment = canaryEnvironment
        environment["PD_KEY"] = Canary.routingKey
        let loaded = try loadedConfig(minimalYAML + webhooks, environment: environment)
        let hooks = loaded.config.webhooks
        #expect(hooks.map(\.format) == [.slack, .discord, .pagerduty, .alertmanager])
        guard case .slack(let chat) = hooks[0].settings else { Issue.record("\(hooks[0].settings)"); return }
        // The template is compiled at load; the formatter renders it as it is.
        #expect(chat.template?.source == "{{iccid}} {{summary}}")
        guard case .discord(let plain) = hooks[1].settings else { Issue.record("\(hooks[1].settings)"); return }
        #expect(plain.template == nil)
        guard case .pagerduty(let pagerDuty) = hooks[2].settings else { Issue.record("\(hooks[2].settings)"); return }
        #expect(pagerDuty.routingKey.reveal() == Canary.routingKey)
        #expect(hooks[2].url.reveal() == PagerDutySettings.eventsURL)
        // A machine format keeps no template: it is warned about and dropped.
        guard case .alertmanager = hooks[3].settings else { Issue.record("\(hooks[3].settings)"); return }
        #expect(loaded.warnings.map(\.keyPath) == ["webhooks[3].template"])

        let text = F.text(try hooks[0].formatter().payloads(for: [F.statusChange(4)])[0])
        #expect(text.contains("8988216716000000004 truck-004"))
    }

    @Test func secretsOfEachFormatAreRedacted() {
        let pager = WebhookSettings(
            name: "pd", url: Secret(Canary.webhookURL),
            settings: .pagerduty(PagerDutySettings(routingKey: Secret(Canary.routingKey))))
        #expect(pager.settings.secrets.map { $0.reveal() } == [Canary.routingKey])
        #expect(!pager.redaction.scrub("answer: \(Canary.routingKey)").contains(Canary.routingKey))
        #expect(FormatSettings.plain(.slack)?.secrets.isEmpty == true)
        #expect(FormatSettings.plain(.pagerduty) == nil)
    }

    @Test("every format's plain settings, where it has any, round-trip its format", arguments: WebhookFormat.allCases)
    func plainSettingsKeepTheFormat(format: WebhookFormat) throws {
        if let plain = FormatSettings.plain(format) { #expect(plain.format == format) }
        #expect(try F.settings(format).format == format)
        #expect(format.takesTemplate == (try F.settings(format).settings.chat != nil))
    }

    @Test func everySettingsKeyIsAWebhookKey() {
        for type in ConfigWebhooks.formatSettingsKeys {
            #expect(Set(type.keys).isSubset(of: ConfigWebhooks.keys), "\(type)")
        }
        #expect(Set(ConfigWebhooks.keys).count == ConfigWebhooks.keys.count)
    }

    private typealias F = FormatFixtures
}
