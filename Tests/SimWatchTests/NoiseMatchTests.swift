import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore

/// `EventMatch`: the one match of webhooks, silences and maintenance windows, and its `match:` parser.
@Suite("Noise: match keys and their configuration")
struct NoiseMatchTests {
    static let acme = MatchSubject(
        kind: .statusChanged, severity: .warning, iccid: "8988216716970004975", deviceName: "truck-17",
        labels: ["customer": "acme", "site": "berlin"], ratePlan: "iot-1GB", status: "DEACTIVATED")

    static func match(_ pairs: [(EventMatch.Key, [String])]) -> EventMatch {
        EventMatch(Dictionary(uniqueKeysWithValues: pairs.map { ($0.0, Set($0.1)) }))
    }

    @Test("each key, exact strings, a list means any, all keys must hold", arguments: [
        ([(EventMatch.Key.iccid, ["8988216716970004975"])], true),
        ([(.iccid, ["898821671697000497"])], false),
        ([(.device, ["truck-17"])], true),
        ([(.device, ["Truck-17"])], false),
        ([(.kind, ["status_changed", "imei_changed"])], true),
        ([(.kind, ["imei_changed"])], false),
        ([(.severity, ["warning"])], true),
        ([(.severity, ["info"])], true),
        ([(.severity, ["critical"])], false),
        ([(.severity, ["critical", "warning"])], true),
        ([(.ratePlan, ["iot-1GB"])], true),
        ([(.status, ["ACTIVATED"])], false),
        ([(.status, ["ACTIVATED", "DEACTIVATED"])], true),
        ([(.label("customer"), ["acme"])], true),
        ([(.label("customer"), ["globex"])], false),
        ([(.label("missing"), ["acme"])], false),
        ([(.label("customer"), ["acme"]), (.kind, ["status_changed"])], true),
        ([(.label("customer"), ["acme"]), (.kind, ["cycle_reset"])], false),
        ([], true),
    ] as [([(EventMatch.Key, [String])], Bool)])
    func matching(_ pairs: [(EventMatch.Key, [String])], expected: Bool) {
        #expect(Self.match(pairs).matches(Self.acme) == expected)
    }

    @Test func aDaemonLevelEventIsSilencedOnlyByAMatchNamingItsKind() {
        let pollFailed = MatchSubject(kind: .pollFailed, severity: .critical)
        #expect(Self.match([(.severity, ["info"])]).matches(pollFailed))
        #expect(!Self.match([(.severity, ["info"])]).silences(pollFailed))
        #expect(!EventMatch().silences(pollFailed))
        #expect(Self.match([(.kind, ["poll_failed"])]).silences(pollFailed))
        #expect(!Self.match([(.kind, ["poll_failed"]), (.label("site"), ["berlin"])]).silences(pollFailed))
        // Device events need no kind key.
        #expect(Self.match([(.label("site"), ["berlin"])]).silences(Self.acme))
    }

    @Test func theSubjectTakesStatusAndPlanFromTheLatestRecord() {
        let event = Event(
            id: "1", kind: .thresholdCrossed, severity: .warning, iccid: "8988216716970004975", labels: ["a": "b"],
            observedAt: Date(timeIntervalSince1970: 0), summary: "s",
            device: DeviceUsage(iccid: "8988216716970004975", status: "ACTIVATED", ratePlan: "old"))
        let subject = MatchSubject(event, last: DeviceUsage(iccid: "8988216716970004975", status: "DEACTIVATED", ratePlan: "new"))
        #expect(subject.status == "DEACTIVATED" && subject.ratePlan == "new" && subject.labels == ["a": "b"])
        #expect(MatchSubject(event).status == "ACTIVATED")
    }

    @Test func webhooksRouteByMatchAndStillByKindAndSeverity() throws {
        let loaded = try loadedConfig(minimalYAML + """
            webhooks:
              - { name: acme, format: generic, url: "https://hooks.example.com/a", match: { label.customer: acme } }
              - { name: pager, format: generic, url: "https://hooks.example.com/p", min_severity: critical,
                  match: { label.customer: [acme, globex] } }
            """)
        let webhooks = loaded.config.webhooks
        let event = Event(id: "1", kind: .statusChanged, severity: .warning, observedAt: Date(), summary: "s")
        #expect(webhooks[0].accepts(event, Self.acme))
        #expect(!webhooks[1].accepts(event, Self.acme), "min_severity still applies")
        var globex = Self.acme
        globex.labels["customer"] = "globex"
        #expect(!webhooks[0].accepts(event, globex))
        let test = Event(id: "2", kind: .test, severity: .info, observedAt: Date(), summary: "t")
        #expect(webhooks[0].accepts(test, MatchSubject(test)), "test alerts reach every webhook")
    }

    @Test func anUnknownMatchKeyIsAnErrorAtTheKey() {
        expectSingleIssue(minimalYAML + """
            webhooks:
              - name: a
                format: generic
                url: "https://hooks.example.com/a"
                match: { labels.site: berlin }
            """, line: 10, column: 14, keyPath: #"webhooks[0].match."labels.site""#, message: "unknown match key")
        expectSingleIssue(minimalYAML + """
            webhooks:
              - name: a
                format: generic
                url: "https://hooks.example.com/a"
                match: { staus: ACTIVATED }
            """, line: 10, column: 14, keyPath: "webhooks[0].match.staus", message: "did you mean \"status\"?")
    }

    @Test func badMatchValuesAreErrorsAtTheValue() {
        expectSingleIssue(minimalYAML + """
            webhooks:
              - name: a
                format: generic
                url: "https://hooks.example.com/a"
                match: { kind: [status_changed, stauts_changed] }
            """, line: 10, column: 37, keyPath: "webhooks[0].match.kind[1]", message: "expected an event kind")
        expectSingleIssue(minimalYAML + """
            webhooks:
              - name: a
                format: generic
                url: "https://hooks.example.com/a"
                match: { severity: high }
            """, line: 10, column: 24, keyPath: "webhooks[0].match.severity", message: "expected a severity")
        expectSingleIssue(minimalYAML + """
            webhooks:
              - name: a
                format: generic
                url: "https://hooks.example.com/a"
                match: { label.site: [] }
            """, line: 10, column: 26, keyPath: #"webhooks[0].match."label.site""#, message: "lists no value")
        expectSingleIssue(minimalYAML + """
            webhooks:
              - name: a
                format: generic
                url: "https://hooks.example.com/a"
                match: [label.site]
            """, line: 10, column: 12, keyPath: "webhooks[0].match", message: "expected a mapping of match keys")
    }
}

/// `check`: which webhooks each kind can reach, and a warning for a webhook nothing reaches.
@Suite("Noise: routes in check")
struct NoiseRouteTests {
    static let yaml = """
        control_center:
          base_url: https://cc.example.com
          username: apiuser
          api_key_env: SIMWATCH_API_KEY
        devices:
          - { iccid: "8988216716970004975", labels: { customer: acme } }
        webhooks:
          - { name: acme, format: generic, url: "https://hooks.example.com/a", match: { label.customer: acme } }
          - { name: pager, format: generic, url: "https://hooks.example.com/p", min_severity: critical }
          - { name: outage, format: generic, url: "https://hooks.example.com/o", match: { kind: [poll_failed] } }
          - { name: nobody, format: generic, url: "https://hooks.example.com/n", match: { label.customer: globex } }
          - { name: never, format: generic, url: "https://hooks.example.com/x", kinds: [cycle_reset], min_severity: warning }
        """

    @Test func eachKindListsTheWebhooksItCanReach() throws {
        let loaded = try loadedConfig(Self.yaml)
        let routes = Dictionary(uniqueKeysWithValues: loaded.config.routes().map { ($0.kind, $0.webhooks) })
        #expect(routes[.statusChanged] == ["acme", "pager"])
        #expect(routes[.cycleReset] == ["acme"])
        #expect(routes[.pollFailed] == ["pager", "outage"], "a label match keeps daemon events away")
        #expect(routes[.pollRecovered] == [])
        let summary = loaded.config.summary()
        #expect(summary.contains("  status_changed, overage_limit_changed, threshold_crossed, imei_changed -> acme, pager\n"))
        #expect(summary.contains("  poll_failed -> pager, outage\n"))
        #expect(summary.contains("  poll_recovered, state_reset -> (none: only logged)\n"))
    }

    @Test func theDigestIsRoutedToTheDigestsWebhooksOnly() throws {
        let withDigest = try loadedConfig(Self.yaml + "\ndigest: { at: \"08:00\", webhooks: [never] }\n")
        let routes = Dictionary(uniqueKeysWithValues: withDigest.config.routes().map { ($0.kind, $0.webhooks) })
        #expect(routes[.digest] == ["never"], "whatever its kinds and min_severity")
        #expect(!withDigest.warnings.contains { $0.message.contains("\"never\"") }, "the digest reaches it")
        #expect(try loadedConfig(Self.yaml).config.routes().allSatisfy { $0.kind != .digest }, "no digest without digest:")
    }

    @Test func aWebhookNoEventCanReachIsAWarningAtItsEntry() throws {
        let warnings = try loadedConfig(Self.yaml).warnings.filter { $0.message.contains("no event can reach") }
        #expect(warnings.map(\.keyPath) == ["webhooks[3]", "webhooks[4]"])
        #expect(warnings.map(\.line) == [11, 12])
        #expect(warnings.first?.message.contains("\"nobody\"") == true)
    }
}
