import CurlHTTP
import Foundation
import Logging
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon

@Suite struct GenericFormatterTests {
    static let event = Event(
        id: "9f2c6a1e0b7d4c55", kind: .statusChanged, severity: .critical, iccid: "8988216716970004975",
        deviceName: "truck-17", labels: ["site": "berlin"], observedAt: Date(timeIntervalSince1970: 1_795_773_600),
        summary: "truck-17 (8988216716970004975): status ACTIVATED -> DEACTIVATED",
        previous: .string("ACTIVATED"), current: .string("DEACTIVATED"),
        device: DeviceUsage(iccid: "8988216716970004975", status: "DEACTIVATED", ctdDataUsage: 0))

    @Test func payloadHasDesignsKeys() throws {
        let payloads = try GenericFormatter().payloads(for: [Self.event])
        #expect(payloads.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: payloads[0].body) as? [String: Any])
        #expect(object["version"] as? String == "1")
        #expect(object["source"] as? String == "simwatch")
        let event = try #require((object["events"] as? [[String: Any]])?.first)
        #expect(event["id"] as? String == "9f2c6a1e0b7d4c55")
        #expect(event["kind"] as? String == "status_changed")
        #expect(event["device_name"] as? String == "truck-17")
        #expect(event["observed_at"] as? String == "2026-11-27T10:00:00Z")
        #expect(event["previous"] as? String == "ACTIVATED")
        #expect((event["device"] as? [String: Any])?["status"] as? String == "DEACTIVATED")
        #expect(payloads[0].eventIDs == ["9f2c6a1e0b7d4c55"])
    }

    @Test func unnamedDevicesOmitNameAndLabels() throws {
        var event = Self.event
        event.deviceName = nil
        event.labels = nil
        let text = String(decoding: try GenericFormatter().payloads(for: [event])[0].body, as: UTF8.self)
        #expect(!text.contains("device_name") && !text.contains("labels"))
    }

    @Test func largeBatchesSplitWithoutLosingEvents() throws {
        let events = (0..<250).map { index in
            var event = Self.event
            event.id = String(format: "%016x", index)
            return event
        }
        let payloads = try GenericFormatter(maxEventsPerMessage: 100).payloads(for: events)
        #expect(payloads.map(\.eventIDs.count) == [100, 100, 50])
        #expect(payloads.flatMap(\.eventIDs) == events.map(\.id))
    }
}

@Suite struct WebhookSenderTests {
    @Test(arguments: [
        (200, DeliveryOutcome.delivered(status: 200)),
        (204, .delivered(status: 204)),
        (500, .retry(reason: "HTTP 500: oops", retryAfter: nil)),
        (408, .retry(reason: "HTTP 408: oops", retryAfter: nil)),
        (404, .retry(reason: "HTTP 404: oops", retryAfter: nil)),
        (400, .rejected(reason: "HTTP 400: oops")),
        (413, .tooLarge(reason: "HTTP 413: oops")),
    ])
    func classifies(status: Int, expected: DeliveryOutcome) {
        #expect(WebhookSender.classify(HTTPResponse(status: status, body: Data("oops".utf8)), redaction: RedactedURL("x")) == expected)
    }

    @Test func honoursRetryAfterAndHidesTheURL() {
        let secret = "https://hooks.example.com/services/CANARY-TOKEN"
        let response = HTTPResponse(status: 429, headers: [("Retry-After", "3")], body: Data("bad \(secret)".utf8))
        guard case .retry(let reason, let retryAfter) = WebhookSender.classify(response, redaction: RedactedURL(secret)) else {
            Issue.record("expected retry"); return
        }
        #expect(retryAfter == .seconds(3))
        #expect(!reason.contains("CANARY-TOKEN"))
    }

    @Test func filtersByKindAndSeverity() {
        let hook = WebhookSettings(name: "a", format: .generic, url: Secret("https://x.example"),
                                   kinds: [.statusChanged], minSeverity: .critical)
        var event = GenericFormatterTests.event
        #expect(hook.accepts(event))
        event.severity = .warning
        #expect(!hook.accepts(event))
        event.kind = .imeiChanged
        event.severity = .critical
        #expect(!hook.accepts(event))
    }
}

@Suite struct MonitorEngineTests {
    /// An engine with one device and one generic webhook, its state in `folder`, started.
    func startedEngine(in folder: String) async throws -> MonitorEngine {
        let config = Config(
            path: "test.yaml",
            controlCenter: ControlCenterSettings(baseURL: "https://cc.example.com", username: "u", apiKey: Secret("k")),
            stateFile: folder + "/state.json", devices: [DeviceEntry(iccid: "8988216716970004975", name: "truck-17")],
            webhooks: [WebhookSettings(name: "ops", format: .generic, url: Secret("https://hooks.example.com/x"))])
        let engine = MonitorEngine(config: config, logger: Logger(label: "test"))
        try await engine.start()
        return engine
    }

    @Test func deviceFoundAgainIsANewBaselineAndLostAgainRaisesAgain() async throws {
        let folder = try TemporaryDirectory()
        let engine = try await startedEngine(in: folder.path)
        let device = await engine.config.devices[0]
        var usage = DeviceUsage(iccid: device.iccid, status: "ACTIVATED", ctdDataUsage: 10)
        #expect(await engine.recordUsage(usage, for: device).isEmpty)
        #expect(await engine.recordNotFound(device).map(\.kind) == [.deviceNotFound])
        #expect(await engine.recordNotFound(device).isEmpty)
        usage.status = "DEACTIVATED"
        #expect(await engine.recordUsage(usage, for: device).isEmpty)
        #expect(await engine.recordNotFound(device).map(\.kind) == [.deviceNotFound])
        let ids = await engine.state.outbox.map(\.event.id)
        #expect(Set(ids).count == 2)
    }

    @Test func aCounterLostForAPollStillShowsTheNewCycle() async throws {
        let folder = try TemporaryDirectory()
        let engine = try await startedEngine(in: folder.path)
        let device = await engine.config.devices[0]
        #expect(await engine.recordUsage(DeviceUsage(iccid: device.iccid, ctdDataUsage: 600), for: device).isEmpty)
        #expect(await engine.recordUsage(DeviceUsage(iccid: device.iccid, ctdDataUsage: nil), for: device).isEmpty)
        let events = await engine.recordUsage(DeviceUsage(iccid: device.iccid, ctdDataUsage: 100), for: device)
        #expect(events.map(\.kind) == [.cycleReset])
        #expect(events.first?.previous == .number(600))
    }

    @Test func answersForDevicesNoLongerConfiguredAreDropped() async throws {
        let folder = try TemporaryDirectory()
        let engine = try await startedEngine(in: folder.path)
        let stranger = DeviceEntry(iccid: "8988216716970009999")
        #expect(await engine.recordUsage(DeviceUsage(iccid: stranger.iccid), for: stranger).isEmpty)
        #expect(await engine.recordNotFound(stranger).isEmpty)
        #expect(await engine.state.devices[stranger.iccid] == nil)
    }

    @Test func pollFailedOnceThenRecovered() async throws {
        let folder = try TemporaryDirectory()
        let engine = try await startedEngine(in: folder.path)
        #expect(await engine.finishCycle(failure: "down").map(\.kind) == [.pollFailed])
        #expect(await engine.finishCycle(failure: "down").isEmpty)
        #expect(await engine.finishCycle(failure: nil).map(\.kind) == [.pollRecovered])
        #expect(await engine.finishCycle(failure: nil).isEmpty)
        #expect(await engine.state.health.consecutiveFailedCycles == 0)
    }
}

@Suite struct OutboxDeliveryLaneTests {
    @Test func aWebhookRemovedAndAddedBackByReloadsGetsItsLaneBack() async throws {
        let folder = try TemporaryDirectory()
        var config = Config(
            path: "test.yaml",
            controlCenter: ControlCenterSettings(baseURL: "https://cc.example.com", username: "u", apiKey: Secret("k")),
            stateFile: folder.file("state.json"), devices: [DeviceEntry(iccid: "8988216716970004975")],
            webhooks: [WebhookSettings(name: "ops", format: .generic, url: Secret("https://hooks.example.com/x"))],
            delivery: DeliverySettings(groupWait: .zero))
        let clock = SteppingClock()
        let engine = MonitorEngine(config: config, logger: Logger(label: "test"), clock: clock.clock)
        try await engine.start()
        let http = ScriptedHTTPClient(Array(repeating: .success(HTTPResponse(status: 200)), count: 10))
        let delivery = OutboxDelivery(outbox: engine, config: config, http: http, logger: Logger(label: "test"), clock: clock.clock)
        let lanes = Task { await delivery.run(tick: .milliseconds(20)) }
        defer { lanes.cancel() }
        func requests() -> Int { http.state.withLock { $0.requests.count } }
        /// Moves the test clock until `count` requests came, for at most 10 s of it.
        func waitFor(_ count: Int) async -> Bool {
            await clock.run(for: .seconds(10)) { requests() >= count }
        }

        _ = await engine.finishCycle(failure: "down")
        await engine.save()
        #expect(await waitFor(1))

        let webhooks = config.webhooks
        config.webhooks = []
        await engine.apply(config)
        await delivery.apply(config)
        _ = await clock.run(for: .milliseconds(1500)) { false }
        config.webhooks = webhooks
        await engine.apply(config)
        await delivery.apply(config)
        _ = await engine.finishCycle(failure: nil)
        await engine.save()
        #expect(await waitFor(2))
        // The answer reaches the outbox just after the request is counted: give it the turns it needs.
        var emptied = false
        for _ in 0..<500 {
            if await engine.state.outbox.isEmpty { emptied = true; break }
            _ = await clock.run(for: .milliseconds(20)) { false }
        }
        #expect(emptied)
    }
}
