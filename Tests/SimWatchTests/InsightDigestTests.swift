import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchMonitor
@testable import SimWatchState

private typealias F = DetectorFixtures

/// The daily digest: its content, its schedule, its text per format and where it goes.
@Suite("Insight: daily digest")
struct InsightDigestTests {
    static let now = InsightBillingCycleTests.utc("2026-12-16T08:00:00Z")
    static let devices = (0..<4).map { DeviceEntry(iccid: "898821671697000497\($0)", name: "truck-\($0)") }

    static func config(digest: DigestSettings? = DigestSettings(top: 2), stateFile: String = "/nonexistent") -> Config {
        var config = Config(
            path: "t.yaml",
            controlCenter: ControlCenterSettings(baseURL: "https://cc.example.com", username: "u", apiKey: Secret("k")),
            stateFile: stateFile, devices: devices, plans: ["hphlr rp1": PlanAllowance(data: F.gigabyte, sms: 500)],
            webhooks: [
                WebhookSettings(name: "chat", format: .slack, url: Secret("https://hooks.example.com/a")),
                WebhookSettings(name: "json", format: .generic, url: Secret("https://hooks.example.com/b")),
                WebhookSettings(name: "pager", format: .pagerduty, url: Secret("https://events.example.com/c"),
                                routingKey: Secret("rk")),
            ])
        config.digest = digest
        return config
    }

    /// Device 0 at 60 % (on pace for 121 %), 1 at 20 % with 80 % of its SMS, 2 never polled, 3 idle and deactivated.
    static func state() -> PersistentState {
        var state = PersistentState(epoch: F.epoch, cycle: 10)
        let observedAt = now.addingTimeInterval(-600)
        func record(_ status: String, data: Int64, sms: Int64 = 0) -> DeviceRecord {
            DeviceRecord(last: F.record(status: status, data: data, sms: sms), observedAt: observedAt, observation: 5)
        }
        state.devices[devices[0].iccid] = record("ACTIVATED", data: 600 * F.megabyte)
        state.devices[devices[1].iccid] = record("ACTIVATED", data: 200 * F.megabyte, sms: 400)
        state.devices[devices[3].iccid] = record("DEACTIVATED", data: 0)
        state.activity.record(events: [.thresholdCrossed], at: now.addingTimeInterval(-30 * 3600))
        state.activity.record(events: [.statusChanged, .statusChanged, .usageSpike], at: now.addingTimeInterval(-3600))
        for hour in 0..<24 { state.activity.recordCycle(at: now.addingTimeInterval(-Double(hour) * 3600)) }
        state.activity.recordFailedPoll(at: now)
        return state
    }

    @Test func theDigestHoldsDesignsObject() throws {
        let digest = DigestBuilder.build(state: Self.state(), config: Self.config(), at: Self.now)
        #expect(digest.devices == 4)
        #expect(digest.byStatus == ["ACTIVATED": 2, "DEACTIVATED": 1, "UNKNOWN": 1])
        #expect(digest.events == ["status_changed": 2, "usage_spike": 1])
        #expect(digest.cycles == 24 && digest.pollsFailed == 1)
        #expect(digest.topUsage.map(\.iccid) == [Self.devices[1].iccid, Self.devices[0].iccid])
        #expect(digest.topUsage.map(\.metric) == [.sms, .data])
        #expect(digest.projectedOverages.map(\.iccid) == [Self.devices[0].iccid])
        #expect(digest.periodEnd.timeIntervalSince(digest.periodStart) == 86_400)
        let event = DigestBuilder.event(state: Self.state(), config: Self.config(), at: Self.now)
        #expect(event.kind == .digest && event.iccid == nil && event.severity == .info)
        let body = try FormatFixtures.json(try GenericFormatter().payloads(for: [event])[0])
        let object = try #require(((body["events"] as? [[String: Any]])?.first?["digest"]) as? [String: Any])
        #expect(Set(object.keys) == ["period_start", "period_end", "devices", "by_status", "events", "top_usage",
                                      "projected_overages", "cycles", "polls_failed"])
        let top = try #require((object["top_usage"] as? [[String: Any]])?.first)
        #expect(Set(top.keys) == ["iccid", "device_name", "metric", "value", "limit", "percent_of_plan"])
    }

    @Test func theTextShowsEverySection() {
        let text = DigestBuilder.event(state: Self.state(), config: Self.config(), at: Self.now).summary
        #expect(text.contains("Fleet: 4 SIMs: ACTIVATED 2 · DEACTIVATED 1 · UNKNOWN 1"))
        #expect(text.contains("  ▇▇▇▇▇▇▇▇░░ 80 %  truck-1 (\(Self.devices[1].iccid)): sms 400 SMS of 500 SMS"))
        #expect(text.contains("  ▇▇▇▇▇▇░░░░ 60 %  truck-0 (\(Self.devices[0].iccid)): data 600 MB of 1 GB"))
        #expect(text.contains("Projected overages: 1"))
        #expect(text.contains("truck-0 (\(Self.devices[0].iccid)): data on pace for 121 % (limit reached around 26 Dec)"))
        #expect(text.contains("Events: status_changed 2 · usage_spike 1"))
        #expect(text.contains("Cycles: 24 · failed polls: 1"))
    }

    @Test("bars", arguments: [(0.0, "░░░░░░░░░░"), (62, "▇▇▇▇▇▇░░░░"), (100, "▇▇▇▇▇▇▇▇▇▇"), (250, "▇▇▇▇▇▇▇▇▇▇"),
                              (-5, "░░░░░░░░░░"), (.nan, "░░░░░░░░░░")])
    func bar(_ percent: Double, _ bar: String) {
        #expect(DigestText.bar(percent) == bar)
    }

    @Test func scheduleInTheDigestsZoneAndOnceAfterDowntime() throws {
        let berlin = DigestSchedule(hour: 8, minute: 0, timeZone: try #require(TimeZone(identifier: "Europe/Berlin")))
        #expect(Timestamp.rfc3339(berlin.next(after: Self.now)) == "2026-12-17T07:00:00Z")
        #expect(Timestamp.rfc3339(berlin.latest(atOrBefore: Self.now)) == "2026-12-16T07:00:00Z")
        let summer = InsightBillingCycleTests.utc("2026-07-01T06:30:00Z")
        #expect(Timestamp.rfc3339(berlin.next(after: summer)) == "2026-07-02T06:00:00Z")
        // Down for three days: one digest at start, not three.
        let lastSent = Self.now.addingTimeInterval(-3 * 86_400)
        #expect(berlin.missed(lastSent: lastSent, now: Self.now))
        #expect(!berlin.missed(lastSent: Self.now, now: Self.now.addingTimeInterval(3600)))
        #expect(!berlin.missed(lastSent: nil, now: Self.now))
    }

    @Test func theEngineSendsTheDigestOnlyToTheDigestsWebhooks() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let config = Self.config(digest: DigestSettings(webhooks: ["json"]), stateFile: folder.statePath)
        let engine = MonitorEngine(config: config, logger: CapturedLogs().logger, now: { Self.now })
        try await engine.start()
        let printed = await engine.digest()
        let raised = await engine.raiseDigest()
        #expect(printed == raised)
        let entries = await engine.outbox.entries
        #expect(entries.map(\.pendingWebhooks) == [["json"]])
        #expect(await engine.lastDigestAt == Self.now)
        // The default list is the chat formats: Slack here, never PagerDuty.
        #expect(Self.config(digest: DigestSettings()).digestWebhooks == ["chat"])
        // A normal event never routes a digest, whatever the kinds.
        #expect(!config.webhooks.contains { $0.accepts(raised) })
    }

    @Test func printAndDailyDigestShowTheSameContentAfterARestart() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let config = Self.config(stateFile: folder.statePath)
        let first = MonitorEngine(config: config, logger: CapturedLogs().logger, now: { Self.now })
        try await first.start()
        for (index, device) in Self.devices.enumerated() {
            await first.recordUsage(F.record(data: Int64(index) * 100 * F.megabyte), for: device)
        }
        _ = await first.finishCycle(failure: nil)
        await first.recordPollFailure()
        let daily = await first.digest()
        await first.close()
        // `simwatch digest --print` reads the saved file.
        let saved = try #require(try StateStore(path: folder.statePath, logger: CapturedLogs().logger).read())
        let printed = DigestBuilder.event(state: saved, config: config, at: Self.now)
        #expect(printed.summary == daily.summary)
        #expect(printed.digest == daily.digest)
        #expect(daily.digest?.cycles == 1 && daily.digest?.pollsFailed == 1)
    }

    @Test("each chat format carries the whole digest within its limits", arguments: WebhookFormat.allCases)
    func perFormat(_ format: WebhookFormat) throws {
        let event = FormatFixtures.digest(devices: 10)
        let payloads = try FormatFixtures.settings(format).formatter().payloads(for: [event])
        #expect(payloads.count == 1)
        // JSON bodies are searched in their decoded strings; ntfy and e-mail are plain text.
        let json = try? JSONSerialization.jsonObject(with: payloads[0].body)
        let text = json.map { FormatConformanceTests.strings($0).joined(separator: "\n") } ?? FormatFixtures.text(payloads[0])
        // 100 SIMs with long, hostile names: one message, cut to the format's limits.
        let long = FormatFixtures.digest(devices: 100, name: FormatConformanceTests.hugeText(1))
        let limits = FormatConformanceTests.limits(format)
        let cut = try FormatFixtures.settings(format).formatter().payloads(for: [long])
        #expect(cut.count == 1)
        #expect(cut[0].body.count <= limits.maxBodyBytes)
        if let object = (try? JSONSerialization.jsonObject(with: cut[0].body)) as? [String: Any] {
            #expect(limits.check(object).isEmpty, "\(limits.check(object).prefix(3))")
        }
        guard DigestSettings.defaultFormats.contains(format.rawValue) else { return }
        for line in ["Top SIMs by share of plan", "▇▇▇▇▇▇▇▇▇░ 90 %", "Projected overages: 10", "Cycles: 96 · failed polls: 2"] {
            #expect(text.contains(line), "\(format.rawValue) lacks \(line)")
        }
    }
}
