import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchCore

@Suite struct FormatAlertmanagerTests {
    typealias F = FormatFixtures

    private func alerts(_ events: [Event]) throws -> [[String: Any]] {
        let payloads = try AlertmanagerFormatter().payloads(for: events)
        #expect(payloads.count == 1)
        return try #require(try JSONSerialization.jsonObject(with: payloads[0].body) as? [[String: Any]])
    }

    @Test func changeEventsFireWithoutEnd() throws {
        let alert = try #require(try alerts([F.statusChange(1)]).first)
        #expect(alert["labels"] as? [String: String] == [
            "alertname": "SimwatchStatusChanged", "iccid": "8988216716000000001", "severity": "critical",
            "device_name": "truck-001", "site": "berlin",
        ])
        #expect(alert["annotations"] as? [String: String] == [
            "summary": "truck-001 (8988216716000000001): status ACTIVATED -> DEACTIVATED",
            "previous": "ACTIVATED", "current": "DEACTIVATED",
        ])
        #expect(alert["startsAt"] as? String == "2026-11-27T10:00:00Z")
        #expect(alert["endsAt"] == nil)
    }

    @Test func overageClearedResolvesTheFiringAlert() throws {
        let alerts = try alerts([F.overage(reached: true), F.overage(reached: false)])
        let firing = try #require(alerts[0]["labels"] as? [String: String])
        let resolving = try #require(alerts[1]["labels"] as? [String: String])
        #expect(firing == resolving)
        #expect(firing["alertname"] == "SimwatchOverageLimitChanged")
        #expect(firing["severity"] == "critical")
        #expect(firing["dock_no_"] == "7")
        #expect(alerts[0]["endsAt"] == nil)
        #expect(alerts[1]["endsAt"] as? String == "2026-11-27T10:00:00Z")
        #expect((alerts[1]["annotations"] as? [String: String])?["current"] == "false")
    }

    @Test func pollRecoveredResolvesPollFailed() throws {
        let alerts = try alerts([F.poll(failed: true), F.poll(failed: false)])
        #expect(alerts[0]["labels"] as? [String: String] == ["alertname": "SimwatchPollFailed", "severity": "critical"])
        #expect(alerts[1]["labels"] as? [String: String] == ["alertname": "SimwatchPollFailed", "severity": "critical"])
        #expect(alerts[0]["endsAt"] == nil)
        #expect(alerts[1]["endsAt"] as? String == "2026-11-27T10:00:00Z")
    }

    @Test(arguments: [
        ("site", "site"), ("dock-no.", "dock_no_"), ("1st", "_1st"), ("", "_"), ("zone/ä", "zone__"),
    ])
    func labelNamesAreSanitized(key: String, name: String) {
        #expect(AlertmanagerFormatter.labelName(key) == name)
        #expect(name.wholeMatch(of: /[a-zA-Z_][a-zA-Z0-9_]*/) != nil)
    }

    @Test func deviceLabelsNeverReplaceSimwatchLabels() {
        var event = F.statusChange(1)
        event.labels = ["severity": "low", "alert-name": "x"]
        let labels = AlertmanagerFormatter.labels(event)
        #expect(labels.filter { $0.name == "severity" }.map(\.value) == ["critical"])
        #expect(labels.contains { $0.name == "alert_name" && $0.value == "x" })
    }

    @Test func alertNamesAreCamelCase() {
        #expect(AlertmanagerFormatter.alertName(.communicationPlanChanged) == "SimwatchCommunicationPlanChanged")
        #expect(AlertmanagerFormatter.alertName(.test) == "SimwatchTest")
    }

    @Test func bigBatchesSplitAt500() throws {
        let events = (1...1_200).map { F.statusChange($0) }
        let payloads = try AlertmanagerFormatter().payloads(for: events)
        #expect(payloads.map(\.eventIDs.count) == [500, 500, 200])
        F.expectComplete(payloads, events)
    }
}

@Suite struct FormatPagerDutyTests {
    typealias F = FormatFixtures

    private func bodies(_ events: [Event]) throws -> [[String: Any]] {
        let payloads = try PagerDutyFormatter(routingKey: Secret(Canary.routingKey)).payloads(for: events)
        #expect(payloads.count == events.count)
        #expect(payloads.map(\.eventIDs) == events.map { [$0.id] })
        return try payloads.map(F.json)
    }

    @Test func oneTriggerPerEvent() throws {
        let body = try #require(try bodies([F.statusChange(1), F.threshold]).first)
        #expect(body["routing_key"] as? String == Canary.routingKey)
        #expect(body["event_action"] as? String == "trigger")
        #expect(body["dedup_key"] as? String == F.statusChange(1).id)
        let payload = try #require(body["payload"] as? [String: Any])
        #expect(payload["summary"] as? String == F.statusChange(1).summary)
        #expect(payload["source"] as? String == "truck-001")
        #expect(payload["severity"] as? String == "critical")
        #expect(payload["timestamp"] as? String == "2026-11-27T10:00:00Z")
        let details = try #require(payload["custom_details"] as? [String: Any])
        #expect(details["iccid"] as? String == "8988216716000000001")
        #expect(details["previous"] as? String == "ACTIVATED")
        #expect(details["kind"] as? String == "status_changed")
    }

    @Test func clearingEventsResolveWithTheTriggersKey() throws {
        let bodies = try bodies([F.overage(reached: true), F.overage(reached: false), F.poll(failed: true), F.poll(failed: false)])
        #expect(bodies.map { $0["event_action"] as? String } == ["trigger", "resolve", "trigger", "resolve"])
        let keys = bodies.map { $0["dedup_key"] as? String }
        #expect(keys[0] == "simwatch/overage_limit_changed/8988216716970004975")
        #expect(keys[1] == keys[0])
        #expect(keys[2] == "simwatch/poll_failed")
        #expect(keys[3] == keys[2])
        #expect(bodies[1]["payload"] == nil)
        // Another SIM's overage is another incident.
        let other = try self.bodies([F.overage(reached: true, iccid: "89011704252318147060")])
        #expect(other[0]["dedup_key"] as? String == "simwatch/overage_limit_changed/89011704252318147060")
    }

    @Test func longSummaryIsCutTo1024() throws {
        let event = F.statusChange(2, name: String(repeating: "p", count: 3_000))
        let payload = try #require(try bodies([event]).first?["payload"] as? [String: Any])
        let summary = try #require(payload["summary"] as? String)
        #expect(summary.utf16.count <= 1_024)
        #expect(summary.hasSuffix("… (8988216716000000002)"))
    }
}
