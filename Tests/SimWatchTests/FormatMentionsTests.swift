import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore

/// No device name, label, status or summary can mention everyone, a user, or inject a link,
/// in any format, with the built-in text or an operator's template.
@Suite struct FormatMentionsTests {
    typealias F = FormatFixtures

    static let mentions = [
        "<!channel>", "<!here>", "<!everyone>", "@here", "@channel", "@everyone", "@HERE", "@Everyone",
        "<users/all>", "<users/123456>", "<@123>", "<@!123>", "<@&123>", "<#123>", "@all", "@bob", "<at>all</at>",
    ]
    static let markdownLinks = ["[click](https://evil.example)", "![img](https://evil.example/x.png)"]
    static let angleLinks = ["<https://evil.example|click>", "<https://evil.example>"]

    /// A status change whose every remote field carries `hostile`.
    static func event(_ hostile: String) -> Event {
        var event = F.statusChange(7, name: "truck \(hostile)")
        event.summary = "truck \(hostile) (\(event.iccid ?? "")): status \(hostile) -> DEACTIVATED"
        event.previous = .string(hostile)
        event.current = .string("DEACTIVATED \(hostile)")
        event.labels = ["site": hostile]
        return event
    }

    static let templates: [String?] = [
        nil,
        "{{device_name}} {{{device_name}}} {{summary}} {{previous}} {{current_human}} {{labels.site}} {{{labels.site}}}",
    ]

    /// Every string in a JSON body, decoded, so `\/` or `\u003c` escapes cannot hide a survivor.
    static func strings(_ payload: WebhookPayload) throws -> [String] {
        func collect(_ value: Any) -> [String] {
            switch value {
            case let text as String: [text]
            case let array as [Any]: array.flatMap(collect)
            case let object as [String: Any]: object.values.flatMap(collect)
            default: []
            }
        }
        return collect(try JSONSerialization.jsonObject(with: payload.body))
    }

    static let chatFormats = WebhookFormat.allCases.filter(\.takesTemplate)

    @Test("chat formats defuse every mention", arguments: chatFormats, templates)
    func chatFormatsDefuseMentions(format: WebhookFormat, template: String?) throws {
        for hostile in Self.mentions {
            let event = Self.event(hostile)
            let payloads = try F.settings(format, template: template).formatter().payloads(for: [event])
            let text = try payloads.flatMap(Self.strings).joined(separator: "\n")
            #expect(!text.lowercased().contains(hostile.lowercased()), "\(format) passes \(hostile) through: \(text)")
            #expect(text.contains(event.iccid ?? "-"), "\(format) lost the ICCID")
        }
    }

    @Test("markdown formats break links; Slack and Google Chat break <url|text>", arguments: chatFormats, templates)
    func chatFormatsBreakLinks(format: WebhookFormat, template: String?) throws {
        let links = switch format {
        case .slack, .googleChat: Self.angleLinks
        default: Self.markdownLinks + (format == .discord ? [] : Self.angleLinks.map { "<\($0.dropFirst())" })
        }
        for hostile in links {
            let payloads = try F.settings(format, template: template).formatter().payloads(for: [Self.event(hostile)])
            let text = try payloads.flatMap(Self.strings).joined(separator: "\n")
            #expect(!text.contains(hostile), "\(format) passes \(hostile) through")
        }
    }

    @Test("Slack keeps &, < and > as entities and mentions defused in its notification text too")
    func slackEscapesEverywhere() throws {
        let payload = try #require(try SlackFormatter().payloads(for: [Self.event("<!here> & @everyone")]).first)
        let object = try F.json(payload)
        let fallback = try #require(object["text"] as? String)
        #expect(fallback.contains("&lt;!here&gt; &amp; @\u{200B}everyone"))
    }

    @Test("Discord never pings: allowed_mentions is empty and markdown is escaped")
    func discordEscapesMarkdown() throws {
        let payload = try #require(try DiscordFormatter().payloads(for: [Self.event("**bold** _it_ `code` ||spoiler|| @everyone")]).first)
        let object = try F.json(payload)
        #expect(((object["allowed_mentions"] as? [String: Any])?["parse"] as? [Any])?.isEmpty == true)
        let embed = try #require((object["embeds"] as? [[String: Any]])?.first)
        let description = try #require(embed["description"] as? String)
        #expect(description.contains(#"\*\*bold\*\* \_it\_ \`code\` \|\|spoiler\|\| @"# + "\u{200B}everyone"))
    }

    @Test("a template's own text is the operator's: its mentions and links stay")
    func templateTextIsTrusted() throws {
        let payloads = try F.settings(.slack, template: "<!here> {{device_name}}").formatter().payloads(for: [Self.event("<!channel>")])
        let text = try payloads.flatMap(Self.strings).joined()
        #expect(text.contains("<!here> truck &lt;!channel&gt;"))
    }

    /// Formats whose readers are programs (or plain-text push and mail, which have no
    /// mentions), so values go as they are; Telegram escapes like the chat formats.
    static let literalFormats = WebhookFormat.allCases.filter { !$0.takesTemplate && $0 != .telegram }

    @Test("machine formats carry the values as data, exactly", arguments: literalFormats)
    func machineFormatsCarryData(format: WebhookFormat) throws {
        for hostile in Self.mentions {
            let payloads = try F.settings(format).formatter().payloads(for: [Self.event(hostile)])
            let strings = try payloads.flatMap { payload in
                payload.contentType.hasPrefix("application/json") ? try Self.strings(payload) : [F.text(payload)]
            }
            // A receiver matches on these (routing, dedup), so they are JSON-escaped only.
            #expect(strings.contains { $0.contains("truck \(hostile)") }, "\(format)")
        }
    }

    @Test("escaping keeps limits: a name of 2,000 mentions still fits every chat format", arguments: chatFormats)
    func escapingKeepsLimits(format: WebhookFormat) throws {
        let event = Self.event(String(repeating: "@here <!channel> ", count: 2_000))
        let payloads = try F.settings(format).formatter().payloads(for: [event])
        F.expectComplete(payloads, [event])
        let text = try payloads.flatMap(Self.strings).joined()
        #expect(!text.contains("@here") && !text.contains("<!channel>"))
    }
}
