import CurlHTTP
import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore

/// How every webhook answer is classified, and that no answer can trap or leak.
@Suite struct DeliveryAnswersTests {
    static let redaction = WebhookSettings(
        name: "pager", format: .pagerduty, url: Secret("https://user:CANARY-PASS@hooks.example.com/services/CANARY-TOKEN?key=CANARY-QUERY"),
        routingKey: Secret(Canary.routingKey)).redaction

    static func classify(_ status: Int, headers: [(String, String)] = [], body: String = "") -> DeliveryOutcome {
        WebhookSender.classify(HTTPResponse(status: status, headers: headers, body: Data(body.utf8)), redaction: redaction)
    }

    enum Kind { case delivered, retry, rejected, tooLarge }

    static func kind(_ outcome: DeliveryOutcome) -> Kind {
        switch outcome {
        case .delivered: .delivered
        case .retry: .retry
        case .rejected: .rejected
        case .tooLarge: .tooLarge
        }
    }

    @Test("2xx delivered; 400 and 422 refused; 413 too large; every other status retried", arguments: [
        (200, Kind.delivered), (201, .delivered), (202, .delivered), (204, .delivered), (299, .delivered),
        (400, .rejected), (422, .rejected), (413, .tooLarge),
        (0, .retry), (1, .retry), (100, .retry), (199, .retry), (300, .retry), (301, .retry), (302, .retry), (304, .retry),
        (401, .retry), (403, .retry), (404, .retry), (405, .retry), (408, .retry), (409, .retry), (410, .retry),
        (411, .retry), (415, .retry), (421, .retry), (429, .retry), (451, .retry), (499, .retry),
        (500, .retry), (502, .retry), (503, .retry), (504, .retry), (599, .retry), (600, .retry), (999, .retry),
        (-1, .retry), (Int.max, .retry), (Int.min, .retry),
    ])
    func classification(status: Int, expected: Kind) {
        #expect(Self.kind(Self.classify(status)) == expected)
    }

    @Test("Retry-After of a webhook is honoured up to 1 h and never traps", arguments: [
        ("3", Duration.seconds(3)), ("0", .zero), ("-0", .zero), ("-1", .zero), ("1.5", .milliseconds(1500)),
        ("1e300", .seconds(3600)), ("3601", .seconds(3600)), ("inf", .seconds(3600)), ("-inf", .zero),
        ("9223372036854775807", .seconds(3600)), ("9007199254740993", .seconds(3600)), ("1e-300", .zero),
        ("  7  ", .seconds(7)), ("Fri, 31 Dec 9999 23:59:59 GMT", .seconds(3600)),
    ])
    func retryAfterIsCapped(header: String, expected: Duration) {
        guard case .retry(_, let retryAfter) = Self.classify(429, headers: [("Retry-After", header)]) else {
            Issue.record("429 must be retried"); return
        }
        #expect(retryAfter == expected)
    }

    @Test("an unparseable Retry-After is ignored", arguments: ["", " ", "nan", "NaN", "soon", "3 s", "\u{0}", "１"])
    func unparseableRetryAfter(header: String) {
        #expect(Self.classify(503, headers: [("Retry-After", header)]) == .retry(reason: "HTTP 503: ", retryAfter: nil))
    }

    @Test("Discord's body retry_after is bounded the same way", arguments: [
        (#"{"retry_after": 1.5}"#, Duration?.some(.milliseconds(1500))),
        (#"{"retry_after": 1e300}"#, .seconds(3600)),
        (#"{"retry_after": -1}"#, .zero),
        (#"{"retry_after": -0}"#, .zero),
        (#"{"retry_after": 9223372036854775807}"#, .seconds(3600)),
        (#"{"retry_after": 18446744073709551616}"#, .seconds(3600)),
        (#"{"retry_after": "x"}"#, nil),
        (#"{"retry_after": NaN}"#, nil),
        (#"{"retry_after": Infinity}"#, nil),
        (#"{"retry_after": null}"#, nil),
        (#"{"retry_after": {"retry_after": 5}}"#, nil),
        (#"{"retry_after": [5]}"#, nil),
        (#"[{"retry_after": 5}]"#, nil),
        (#"{"retry_after": 5"#, nil),
        ("", nil),
        ("\u{FF}\u{FE}", nil),
    ])
    func discordRetryAfter(body: String, expected: Duration?) {
        #expect(Self.classify(429, body: body) == .retry(reason: Self.reason(429, body), retryAfter: expected))
    }

    static func reason(_ status: Int, _ body: String) -> String {
        "HTTP \(status): \(redaction.excerpt(Data(body.utf8)))"
    }

    @Test func deeplyNestedGarbageIsNoRetryAfter() {
        let body = String(repeating: "[", count: 100_000)
        #expect(WebhookSender.discordRetryAfter(Data(body.utf8)) == nil)
        #expect(WebhookSender.discordRetryAfter(Data(([0xFF, 0x7B] as [UInt8]))) == nil)
        let nested = #"{"a":"# + String(repeating: "[", count: 60_000) + String(repeating: "]", count: 60_000) + #","retry_after":2}"#
        _ = WebhookSender.discordRetryAfter(Data(nested.utf8))
        let objects = String(repeating: #"{"retry_after":"#, count: 20_000) + "1" + String(repeating: "}", count: 20_000)
        #expect(WebhookSender.discordRetryAfter(Data(objects.utf8)) == nil)
    }

    @Test("the header wins over the body")
    func headerFirst() {
        #expect(Self.classify(429, headers: [("Retry-After", "2")], body: #"{"retry_after": 9}"#)
            == .retry(reason: Self.reason(429, #"{"retry_after": 9}"#), retryAfter: .seconds(2)))
    }

    @Test("excerpts lose the URL, its segments, query values, user info and the routing key, in every encoding")
    func excerptsAreScrubbed() throws {
        let echoes = [
            "https://user:CANARY-PASS@hooks.example.com/services/CANARY-TOKEN?key=CANARY-QUERY",
            #"{"url":"https:\/\/hooks.example.com\/services\/CANARY-TOKEN"}"#,
            "token CANARY-TOKEN, key CANARY-QUERY, password CANARY-PASS",
            "routing_key=\(Canary.routingKey)",
            "%2Fservices%2FCANARY-TOKEN and CANARY%2DTOKEN".replacingOccurrences(of: "CANARY%2DTOKEN", with: "CANARY-TOKEN"),
            "line one\nline two CANARY-TOKEN\r\n\u{1B}[31m",
        ]
        for body in echoes {
            for status in [400, 413, 500, 302] {
                let outcome = Self.classify(status, body: body)
                let reason: String
                switch outcome {
                case .retry(let text, _), .rejected(let text), .tooLarge(let text): reason = text
                case .delivered: Issue.record("\(status) is no delivery"); continue
                }
                #expect(!reason.contains("CANARY"), "\(reason)")
                #expect(!reason.contains("\n") && !reason.contains("\u{1B}"))
            }
        }
    }

    @Test func longAnswersAreCutToAnExcerpt() {
        guard case .retry(let reason, _) = Self.classify(502, body: String(repeating: "<html>", count: 10_000)) else {
            Issue.record("502 must be retried"); return
        }
        #expect(reason.utf8.count < 260)
    }

    @Test("transport errors are retried and scrubbed")
    func transportErrors() async throws {
        let hook = WebhookSettings(name: "ops", format: .generic, url: Secret(Canary.webhookURL))
        let http = ScriptedHTTPClient([.failure(.transport(code: 7, message: "Failed to connect to \(Canary.webhookURL)"))])
        let outcome = try await WebhookSender(webhook: hook, http: http).send(WebhookPayload(body: Data("{}".utf8), eventIDs: ["a"]))
        guard case .retry(let reason, nil) = outcome else { Issue.record("expected retry, got \(outcome)"); return }
        #expect(!reason.contains("CANARY"))
        #expect(reason.contains("hooks.example.com"))
    }
}
