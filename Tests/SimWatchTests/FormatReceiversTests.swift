import CurlHTTP
import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore

/// Telegram, ntfy and Opsgenie requests checked against each service's documented format.
@Suite struct FormatReceiversTests {
    typealias F = FormatFixtures

    static func telegram(_ events: [Event], chat: TelegramSettings.ChatID = .number(-42)) throws -> [[String: Any]] {
        try TelegramFormatter(chatID: chat).payloads(for: events).map(F.json)
    }

    // MARK: - Telegram

    @Test func telegramSendsHTMLToTheChat() throws {
        let body = try #require(try Self.telegram([F.statusChange(1)]).first)
        #expect(body["chat_id"] as? Int == -42)
        #expect(body["parse_mode"] as? String == "HTML")
        #expect(body["disable_web_page_preview"] as? Bool == true)
        let text = try #require(body["text"] as? String)
        #expect(text.hasPrefix("<b>simwatch: 1 alert</b>\n\n<b>🔴 Status changed</b>\n"))
        #expect(text.contains("<i>ICCID:</i> <code>8988216716000000001</code>"))
        let channel = try #require(try Self.telegram([F.test], chat: .username("@simwatch_ops")).first)
        #expect(channel["chat_id"] as? String == "@simwatch_ops")
    }

    @Test func telegramEscapesMarkupAndMentions() throws {
        var event = F.statusChange(7, name: "<b>x</b> & <a href=\"tg://user?id=1\">@admin</a>")
        event.summary = "\(event.deviceName!) (\(event.iccid!)): status changed"
        let text = try #require(try Self.telegram([event]).first?["text"] as? String)
        #expect(text.contains("&lt;b&gt;x&lt;/b&gt; &amp; &lt;a href=\"tg://user?id=1\"&gt;@\u{200B}admin&lt;/a&gt;"))
        #expect(FormatConformanceTests.telegramMarkupProblems(text).isEmpty)
        #expect(!text.contains("@admin"))
    }

    @Test func telegramSplitsABatchAtFourThousandNinetySixCharacters() throws {
        let events = (1...100).map { F.statusChange($0, name: String(repeating: "ü", count: 300)) }
        let payloads = try TelegramFormatter(chatID: .number(1)).payloads(for: events)
        #expect(payloads.count > 1)
        F.expectComplete(payloads, events)
        for (index, payload) in payloads.enumerated() {
            let text = try #require(try F.json(payload)["text"] as? String)
            #expect(text.utf16.count <= 4_096)
            #expect(text.hasPrefix("<b>simwatch: 100 alerts (part \(index + 1) of \(payloads.count))</b>"))
        }
        // Filled: no two neighbours would have fitted in one message.
        let lengths = try payloads.map { try #require(try F.json($0)["text"] as? String).utf16.count }
        #expect(zip(lengths, lengths.dropFirst()).allSatisfy { $0 + $1 > 4_096 })
    }

    @Test func telegramCutsOneHugeEventAndKeepsItsICCID() throws {
        let event = F.statusChange(3, summary: String(repeating: "&<>", count: 5_000) + " (8988216716000000003)")
        let text = try #require(try Self.telegram([event]).first?["text"] as? String)
        #expect(text.utf16.count <= 4_096)
        #expect(text.contains("… (8988216716000000003)"))
        #expect(FormatConformanceTests.telegramMarkupProblems(text).isEmpty)
    }

    @Test func telegramsRetryAfterIsHonouredAndBounded() {
        let limited = HTTPResponse(
            status: 429, body: Data(#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#.utf8))
        let redaction = RedactedURL("https://api.telegram.org/bot1:secret/sendMessage")
        #expect(WebhookSender.classify(limited, redaction: redaction) == .retry(
            reason: WebhookSender.classify(limited, redaction: redaction).reason, retryAfter: .seconds(7)))
        let huge = HTTPResponse(status: 429, body: Data(#"{"parameters":{"retry_after":1e300}}"#.utf8))
        #expect(WebhookSender.telegramRetryAfter(huge.body) == WebhookSender.retryAfterCap)
        #expect(WebhookSender.telegramRetryAfter(Data(#"{"parameters":{"retry_after":"soon"}}"#.utf8)) == nil)
    }

    // MARK: - ntfy

    @Test func ntfyPostsOneTextPerEventWithItsHeaders() throws {
        let events = [F.statusChange(1), F.threshold, F.overage(reached: false), F.test]
        let payloads = try NtfyFormatter(token: Secret("tk_secret")).payloads(for: events)
        #expect(payloads.map(\.eventIDs) == events.map { [$0.id] })
        let first = try #require(payloads.first)
        #expect(first.contentType == "text/plain; charset=utf-8")
        #expect(first.headers == [
            PayloadHeader("Title", "Status changed: truck-001"), PayloadHeader("Priority", "5"),
            PayloadHeader("Tags", "rotating_light,simwatch,status_changed"), PayloadHeader("Authorization", "Bearer tk_secret"),
        ])
        #expect(F.text(first).hasPrefix("truck-001 (8988216716000000001): status ACTIVATED -> DEACTIVATED\nSeverity: critical\n"))
        #expect(payloads.map { $0.headers[1].value } == ["5", "4", "3", "3"])
        #expect(payloads[3].headers[2].value == "test_tube,simwatch,test")
        #expect(try NtfyFormatter().payloads(for: [F.test]).first?.headers.map(\.name) == ["Title", "Priority", "Tags"])
    }

    @Test func ntfyTitlesAreOneSafeLineAndEncodedWhenNotASCII() throws {
        let hostile = F.statusChange(2, name: "Lkw-Süd\r\nX-Injected: 1")
        let title = try #require(try NtfyFormatter().payloads(for: [hostile]).first?.headers.first?.value)
        #expect(title.hasPrefix("=?UTF-8?B?") && !title.contains("\r") && !title.contains("\n"))
        #expect(Self.decodeEncodedWords(title) == "Status changed: Lkw-Süd  X-Injected: 1")
        let long = F.statusChange(3, name: String(repeating: "🚚", count: 500))
        let longTitle = try #require(try NtfyFormatter().payloads(for: [long]).first?.headers.first?.value)
        #expect(longTitle.split(separator: " ").allSatisfy { $0.count <= 75 })
        #expect(Self.decodeEncodedWords(longTitle).utf8.count <= NtfyFormatter.maxTitle)
    }

    @Test func ntfyBodiesStayWithinFourKilobytes() throws {
        let event = F.statusChange(4, name: String(repeating: "ü", count: 9_000), summary: String(repeating: "ü", count: 9_000) + " (8988216716000000004)")
        let payload = try #require(try NtfyFormatter().payloads(for: [event]).first)
        #expect(payload.body.count <= 4_096)
        #expect(F.text(payload).contains("8988216716000000004"))
    }

    /// RFC 2047 `B` words back to text, as ntfy's server does.
    static func decodeEncodedWords(_ value: String) -> String {
        value.split(separator: " ").map { word -> String in
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
                  let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
            else { return " " + word }
            return String(decoding: data, as: UTF8.self)
        }.joined()
    }

    // MARK: - Opsgenie

    @Test func opsgenieCreatesWithAliasPriorityTagsAndDetails() throws {
        let payload = try #require(try OpsgenieFormatter(apiKey: Secret("genie")).payloads(for: [F.overage(reached: true)]).first)
        #expect(payload.headers == [PayloadHeader("Authorization", "GenieKey genie")])
        #expect(payload.urlSuffix.isEmpty)
        let body = try F.json(payload)
        #expect(body["message"] as? String == "truck-17 (8988216716970004975): overage limit reached")
        #expect(body["alias"] as? String == "simwatch/overage_limit_changed/8988216716970004975")
        #expect(body["priority"] as? String == "P1")
        #expect(body["tags"] as? [String] == ["simwatch", "overage_limit_changed", "critical", "dock-no.:7", "site:berlin"])
        #expect(body["entity"] as? String == "8988216716970004975")
        #expect(body["source"] as? String == "simwatch")
        let details = try #require(body["details"] as? [String: String])
        #expect(details["event_id"] == "aaaaaaaaaaaaaaaa" && details["current"] == "reached" && details["previous"] == "not reached")
        #expect((body["description"] as? String)?.hasPrefix("truck-17 (8988216716970004975): overage limit reached\nSeverity: critical") == true)
    }

    @Test func opsgenieClosesTheFiringAlertByAlias() throws {
        let formatter = OpsgenieFormatter(apiKey: Secret("genie"))
        let cleared = try #require(try formatter.payloads(for: [F.overage(reached: false)]).first)
        #expect(cleared.urlSuffix == "/simwatch%2Foverage_limit_changed%2F8988216716970004975/close?identifierType=alias")
        let body = try F.json(cleared)
        #expect(Set(body.keys) == ["source", "note"])
        #expect(body["note"] as? String == "truck-17 (8988216716970004975): overage limit cleared")
        let polls = try formatter.payloads(for: [F.poll(failed: true), F.poll(failed: false)])
        #expect(try F.json(polls[0])["alias"] as? String == "simwatch/poll_failed")
        #expect(polls[1].urlSuffix == "/simwatch%2Fpoll_failed/close?identifierType=alias")
        // One-off events create an alert under their own id, which a redelivery repeats.
        let change = try #require(try formatter.payloads(for: [F.statusChange(5)]).first)
        #expect(try F.json(change)["alias"] as? String == F.statusChange(5).id)
        #expect(try F.json(change)["priority"] as? String == "P1")
        #expect(try F.json(try #require(try formatter.payloads(for: [F.threshold]).first))["priority"] as? String == "P3")
    }

    @Test func opsgenieClosesAFlappingAlertWhenItEnds() throws {
        let formatter = OpsgenieFormatter(apiKey: Secret("genie"))
        let (started, ended) = (F.flapping(ended: false), F.flapping(ended: true))
        let create = try #require(try formatter.payloads(for: [started]).first)
        let iccid = try #require(started.iccid)
        #expect(create.urlSuffix.isEmpty)
        #expect(try F.json(create)["alias"] as? String == "simwatch/flapping/\(iccid)")
        let close = try #require(try formatter.payloads(for: [ended]).first)
        #expect(close.urlSuffix == "/simwatch%2Fflapping%2F\(iccid)/close?identifierType=alias")
    }

    @Test func opsgenieAndPagerDutyShareTheConditionKeys() {
        for event in [
            F.overage(reached: true), F.overage(reached: false), F.poll(failed: true), F.poll(failed: false), F.threshold,
            F.flapping(ended: false), F.flapping(ended: true),
        ] {
            #expect(OpsgenieFormatter.alias(event) == PagerDutyFormatter.dedupKey(for: event))
        }
    }

    @Test func keysAndTokensNeverShowInAnswersOrPrintedPayloads() throws {
        let genie = WebhookSettings(
            name: "genie", url: Secret("https://api.opsgenie.com/v2/alerts"),
            settings: .opsgenie(OpsgenieSettings(apiKey: Secret("GENIE-CANARY"))))
        let ntfy = WebhookSettings(
            name: "push", url: Secret("https://ntfy.example.com/topic"), settings: .ntfy(NtfySettings(token: Secret("tk_CANARY"))))
        #expect(!genie.redaction.scrub("401: key GENIE-CANARY refused").contains("GENIE-CANARY"))
        #expect(!ntfy.redaction.scrub("403: token tk_CANARY refused").contains("tk_CANARY"))
        let payloads = try genie.formatter().payloads(for: [F.threshold]) + ntfy.formatter().payloads(for: [F.threshold])
        for payload in payloads {
            for printed in ["\(payload)", String(reflecting: payload), "\(payload.headers)"] {
                #expect(!printed.contains("CANARY"), "\(printed)")
            }
        }
    }

    @Test func theSenderAddsPayloadHeadersAndTheURLSuffix() async throws {
        let http = RecordingHTTP()
        let hook = WebhookSettings(
            name: "genie", url: Secret("https://api.opsgenie.com/v2/alerts"),
            settings: .opsgenie(OpsgenieSettings(apiKey: Secret("genie-key"))))
        let payload = try #require(try hook.formatter().payloads(for: [F.poll(failed: false)]).first)
        #expect(try await WebhookSender(webhook: hook, http: http).send(payload) == .delivered(status: 202))
        let request = try #require(http.requests.first)
        #expect(request.url == "https://api.opsgenie.com/v2/alerts/simwatch%2Fpoll_failed/close?identifierType=alias")
        #expect(request.headers.contains { $0.name == "Authorization" && $0.value == "GenieKey genie-key" })
        #expect(request.headers.first?.value == "application/json")
    }
}

/// Answers 202 to every request and keeps them.
final class RecordingHTTP: HTTPClient, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [HTTPRequest] = []

    var requests: [HTTPRequest] { lock.withLock { recorded } }

    func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        lock.withLock { recorded.append(request) }
        return HTTPResponse(status: 202)
    }
}

extension DeliveryOutcome {
    /// The reason of a retry, to compare outcomes on their delay alone.
    var reason: String {
        switch self {
        case .retry(let reason, _), .rejected(let reason), .tooLarge(let reason): reason
        case .delivered: ""
        }
    }
}
