import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore

/// Events and JSON helpers shared by the format tests.
enum FormatFixtures {
    static let observedAt = Date(timeIntervalSince1970: 1_795_773_600)  // 2026-11-27 10:00 UTC

    /// A status change of `truck-NNN` with a 19-digit ICCID ending in the index.
    static func statusChange(_ index: Int, name: String? = nil, summary: String? = nil) -> Event {
        let iccid = "8988216716" + String(format: "%09d", index)
        let device = name ?? String(format: "truck-%03d", index)
        return Event(
            id: String(format: "%016x", index), kind: .statusChanged, severity: .critical, iccid: iccid,
            deviceName: device, labels: ["site": "berlin"], observedAt: observedAt,
            summary: summary ?? "\(device) (\(iccid)): status ACTIVATED -> DEACTIVATED",
            previous: .string("ACTIVATED"), current: .string("DEACTIVATED"))
    }

    /// The "100 devices change status in one cycle" batch.
    static let hundredChanges = (1...100).map { statusChange($0) }

    static func overage(reached: Bool, iccid: String = "8988216716970004975") -> Event {
        Event(
            id: reached ? "aaaaaaaaaaaaaaaa" : "bbbbbbbbbbbbbbbb", kind: .overageLimitChanged,
            severity: reached ? .critical : .info, iccid: iccid, deviceName: "truck-17",
            labels: ["site": "berlin", "dock-no.": "7"], observedAt: observedAt,
            summary: "truck-17 (\(iccid)): overage limit \(reached ? "reached" : "cleared")",
            previous: .bool(!reached), current: .bool(reached))
    }

    static func poll(failed: Bool) -> Event {
        Event(
            id: failed ? "cccccccccccccccc" : "dddddddddddddddd", kind: failed ? .pollFailed : .pollRecovered,
            severity: failed ? .critical : .info, observedAt: observedAt,
            summary: failed ? "simwatch: poll failed: credentials rejected" : "simwatch: poll recovered: Control Center answers again")
    }

    static let threshold = Event(
        id: "eeeeeeeeeeeeeeee", kind: .thresholdCrossed, severity: .warning, iccid: "8988216716970004975",
        deviceName: "truck-17", observedAt: observedAt,
        summary: "truck-17 (8988216716970004975): data 812.3 MB of 1 GB (81.2 %) reached 80 %",
        metric: .data, threshold: 800_000_000, value: 812_300_000, thresholdPercent: 80, percentOfPlan: 81.2)

    /// A flapping status, or its end.
    static func flapping(ended: Bool) -> Event {
        var event = Event(
            id: ended ? "5656565656565656" : "3434343434343434", kind: ended ? .flappingEnded : .flapping,
            severity: ended ? .info : .warning, iccid: "8988216716970004975", deviceName: "truck-17",
            labels: ["site": "berlin"], observedAt: observedAt,
            summary: ended
                ? "truck-17 (8988216716970004975): status stable for 1h again: ACTIVATED when it began flapping, DEACTIVATED now"
                : "truck-17 (8988216716970004975): status flapping: 4 changes within 1h, DEACTIVATED now",
            previous: ended ? .string("ACTIVATED") : nil, current: .string("DEACTIVATED"))
        if !ended {
            event.changes = 4
            event.within = 3600
        }
        return event
    }

    /// A SIM the change feed listed for the first time; its listed texts come from Control Center.
    static let discovered = Event(
        id: "1212121212121212", kind: .deviceDiscovered, severity: .info, iccid: "8988216716970004976",
        observedAt: observedAt,
        summary: "8988216716970004976: new SIM on the account (status TEST_READY, rate plan <!channel> *plan*)",
        current: .string("TEST_READY"),
        device: DeviceUsage(iccid: "8988216716970004976", status: "TEST_READY", ratePlan: "<!channel> *plan*",
                            communicationPlan: "@here"))

    static let test = Event(
        id: "ffffffffffffffff", kind: .test, severity: .info, observedAt: observedAt,
        summary: "simwatch test alert: this webhook works, no action needed")

    static func json(_ payload: WebhookPayload) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: payload.body) as? [String: Any])
    }

    static func text(_ payload: WebhookPayload) -> String {
        String(decoding: payload.body, as: UTF8.self)
    }

    /// Every event's ICCID is in the messages' text, and every id in exactly one message, in order.
    static func expectComplete(_ payloads: [WebhookPayload], _ events: [Event], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(payloads.flatMap(\.eventIDs) == events.map(\.id), sourceLocation: sourceLocation)
        for (payload, range) in zip(payloads, ranges(payloads)) {
            // Daemon-level events (poll failed, test) have no ICCID to show. Digits are
            // never escaped, so the body's runs of digits are collected once; a miss falls
            // back to a byte search (an ICCID that touches other digits). Foundation's
            // `Data.range(of:)` alone made this suite hog the test pool for seconds.
            let runs = digitRuns(payload.body)
            for event in events[range] {
                guard let iccid = event.iccid, !runs.contains(iccid) else { continue }
                #expect(payload.body.range(of: Data(iccid.utf8)) != nil, "\(iccid) missing", sourceLocation: sourceLocation)
            }
        }
    }

    /// Every maximal run of ASCII digits in `body`.
    private static func digitRuns(_ body: Data) -> Set<String> {
        var runs = Set<String>()
        var current: [UInt8] = []
        for byte in body {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                current.append(byte)
            } else if !current.isEmpty {
                runs.insert(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { runs.insert(String(decoding: current, as: UTF8.self)) }
        return runs
    }

    private static func ranges(_ payloads: [WebhookPayload]) -> [Range<Int>] {
        var start = 0
        return payloads.map { payload in
            defer { start += payload.eventIDs.count }
            return start..<(start + payload.eventIDs.count)
        }
    }

    /// The settings of a webhook of `format`, with canary secrets; `template` is for chat formats.
    ///
    /// The switch is exhaustive on purpose: a new format must say here how it is set up,
    /// and from then on every suite iterating `WebhookFormat.allCases` covers it.
    static func settings(_ format: WebhookFormat, template: String? = nil) throws -> WebhookSettings {
        let chat = ChatSettings(template: try template.map { try CompiledTemplate($0) })
        let settings: FormatSettings = switch format {
        case .slack: .slack(chat)
        case .teams: .teams(chat)
        case .discord: .discord(chat)
        case .googleChat: .googleChat(chat)
        case .mattermost: .mattermost(chat)
        case .generic: .generic
        case .alertmanager: .alertmanager
        case .pagerduty: .pagerduty(PagerDutySettings(routingKey: Secret(Canary.routingKey)))
        case .telegram: .telegram(TelegramSettings(chatID: .number(-1_001_234_567_890)))
        case .ntfy: .ntfy(NtfySettings(token: Secret(Canary.routingKey)))
        case .opsgenie: .opsgenie(OpsgenieSettings(apiKey: Secret(Canary.routingKey)))
        case .email: .email(EmailSettings(
            from: "simwatch@example.com", to: ["ops@example.com", "oncall@example.org"],
            login: .init(username: "simwatch", password: Secret(Canary.routingKey))))
        }
        return WebhookSettings(name: "ops", url: Secret(Canary.webhookURL), settings: settings)
    }
}
