import Foundation
import Synchronization
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchMonitor
@testable import SimWatchState

/// The engine applies silences, windows and webhook matches where events enter the outbox.
@Suite("Noise: silencing and routing in the engine")
struct NoiseEngineTests {
    static let acme = DeviceEntry(iccid: "8988216716970004975", name: "truck-17", labels: ["customer": "acme", "site": "berlin"])
    static let globex = DeviceEntry(iccid: "8988216716970004983", name: "van-2", labels: ["customer": "globex", "site": "paris"])
    static let now = Date(timeIntervalSince1970: 1_795_000_000)

    static func config(windows: [MaintenanceWindow] = []) -> Config {
        var all = WebhookSettings(name: "all", format: .generic, url: Secret("https://hooks.example.com/all"))
        all.match = nil
        var acmeHook = WebhookSettings(name: "acme", format: .generic, url: Secret("https://hooks.example.com/acme"))
        acmeHook.match = EventMatch([.label("customer"): ["acme"]])
        var config = Config(
            path: "test.yaml",
            controlCenter: ControlCenterSettings(baseURL: "https://cc.example.com", username: "u", apiKey: Secret("k")),
            stateFile: "/nonexistent/state.json", devices: [acme, globex], webhooks: [all, acmeHook])
        config.maintenance = windows
        return config
    }

    /// Both devices observed ACTIVATED, then DEACTIVATED: one status_changed each.
    static func flipBoth(_ engine: MonitorEngine) async {
        for device in [acme, globex] {
            await engine.recordUsage(DeviceUsage(iccid: device.iccid, status: "ACTIVATED"), for: device)
        }
        for device in [acme, globex] {
            await engine.recordUsage(DeviceUsage(iccid: device.iccid, status: "DEACTIVATED"), for: device)
        }
    }

    static func queued(_ engine: MonitorEngine) async -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: await engine.outbox.entries.map { ($0.event.iccid ?? "-", $0.pendingWebhooks) })
    }

    @Test func aWebhookMatchSendsItOnlyItsCustomersEvents() async {
        let engine = MonitorEngine(config: Self.config(), logger: CapturedLogs().logger, now: { Self.now })
        await Self.flipBoth(engine)
        let queued = await Self.queued(engine)
        #expect(queued[Self.acme.iccid] == ["all", "acme"])
        #expect(queued[Self.globex.iccid] == ["all"])
    }

    @Test func aSilencedEventIsLoggedCountedAndNeverQueued() async throws {
        let logs = CapturedLogs()
        let metrics = SimwatchMetrics(now: { Self.now })
        let engine = MonitorEngine(config: Self.config(), logger: logs.logger, metrics: metrics, now: { Self.now })
        await engine.setSilences([Silence(
            id: "0badcafe", match: EventMatch([.label("site"): ["berlin"]]), startsAt: Self.now - 60, endsAt: Self.now + 60,
            reason: "r", createdAt: Self.now - 60)])
        await Self.flipBoth(engine)
        #expect(await Self.queued(engine).keys.sorted() == [Self.globex.iccid])
        let silencedLines = logs.records.filter { $0.metadata["silenced"] != nil }
        #expect(silencedLines.count == 1)
        #expect(silencedLines.first?.metadata["silenced"] == "0badcafe")
        #expect(silencedLines.first?.metadata["iccid"] == "\(Self.acme.iccid)")
        let exposition = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(exposition.contains("simwatch_events_silenced_total{kind=\"status_changed\"} 1"))
        #expect(exposition.contains("simwatch_events_total{kind=\"status_changed\"} 2"))
        #expect(await engine.activeSilences().map(\.id) == ["0badcafe"])
    }

    @Test func aWindowSilencesOnItsScheduleByItsInjectedClock() async {
        let clock = Mutex(Self.now)
        let window = MaintenanceWindow(
            name: "nightly", match: EventMatch([.label("customer"): ["acme"]]), days: Set(Weekday.allCases),
            from: 2 * 3600, to: 4 * 3600, timeZone: TimeZone(identifier: "UTC")!)
        let logs = CapturedLogs()
        let engine = MonitorEngine(config: Self.config(windows: [window]), logger: logs.logger, now: { clock.withLock { $0 } })
        // 1_795_000_000 is 11:06:40 UTC: outside; 02:30 the next day: inside.
        await Self.flipBoth(engine)
        #expect(await Self.queued(engine).count == 2)
        clock.withLock { $0 = Date(timeIntervalSince1970: 1_795_055_400) }
        for device in [Self.acme, Self.globex] {
            await engine.recordUsage(DeviceUsage(iccid: device.iccid, status: "ACTIVATED"), for: device)
        }
        let reactivated = await engine.outbox.entries.filter { $0.event.current == .string("ACTIVATED") }
        #expect(reactivated.map(\.event.iccid) == [Self.globex.iccid])
        #expect(logs.records.contains { $0.metadata["silenced"] == "nightly" })
    }

    @Test func daemonEventsPassSilencesThatDoNotNameTheirKind() async {
        let engine = MonitorEngine(config: Self.config(), logger: CapturedLogs().logger, now: { Self.now })
        await engine.setSilences([Silence(
            id: "0000000a", match: EventMatch([.severity: ["info"]]), startsAt: Self.now - 1, endsAt: Self.now + 60,
            reason: "r", createdAt: Self.now)])
        _ = await engine.finishCycle(failure: "credentials rejected")
        #expect(await engine.outbox.entries.map(\.event.kind) == [.pollFailed])
        await engine.setSilences([Silence(
            id: "0000000b", match: EventMatch([.kind: ["poll_recovered"]]), startsAt: Self.now - 1, endsAt: Self.now + 60,
            reason: "r", createdAt: Self.now)])
        _ = await engine.finishCycle(failure: nil)
        #expect(await engine.outbox.entries.map(\.event.kind) == [.pollFailed])
    }
}
