import CurlHTTP
import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import UnixSignals
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchState

/// The daemon's services and the order graceful shutdown stops them in (DESIGN.md's rule:
/// stop polling first, deliver and save last). Serialized: `run` traps SIGHUP.
@Suite(.serialized) struct ServiceOrderTests {
    static func service(in folder: borrowing TemporaryDirectory, logs: CapturedLogs, http: ScriptedHTTPClient) -> MonitorService {
        let config = Config(
            path: "test.yaml",
            controlCenter: ControlCenterSettings(baseURL: "https://cc.example.com", username: "u", apiKey: Secret("k")),
            stateFile: folder.file("state.json"), devices: [DeviceEntry(iccid: "8988216716970004975")],
            webhooks: [WebhookSettings(name: "ops", format: .generic, url: Secret("https://hooks.example.com/x"))],
            delivery: DeliverySettings(groupWait: .zero))
        let runtime = Runtime.make(config: config, logger: logs.logger, http: http)
        return MonitorService(
            runtime: runtime, notifier: nil, tick: .milliseconds(20), pollGrace: .milliseconds(500),
            deliveryGrace: .milliseconds(500)
        ) { config }
    }

    @Test("one service per loop, listed last-to-stop first: the feed and cycles stop first, checkpoint saves last")
    func theListIsTheShutdownOrderReversed() async throws {
        let folder = try TemporaryDirectory()
        let service = Self.service(in: folder, logs: CapturedLogs(), http: ScriptedHTTPClient())
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let names = await service.services(hangups: hangups).map { String(describing: type(of: $0.service)) }
        #expect(names == ["SilenceWatchService", "CheckpointService", "DeliveryService", "ReloadService", "CycleService", "FeedService"])
    }

    @Test("graceful shutdown: polling stops, the state is saved, deliveries drain, the state is saved again")
    func gracefulShutdownFollowsTheRule() async throws {
        let folder = try TemporaryDirectory()
        let logs = CapturedLogs()
        let http = ScriptedHTTPClient()
        let service = Self.service(in: folder, logs: logs, http: http)
        func messages() -> [String] { logs.records.map(\.message) }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                for _ in 0..<400 where !messages().contains("cycle finished") {
                    try await Task.sleep(for: .milliseconds(5))
                }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        let log = messages()
        let finished = try #require(log.firstIndex(of: "cycle finished"))
        let draining = try #require(log.firstIndex(of: "shutting down: polling stopped; saving the state and delivering what is due"))
        let stopped = try #require(log.firstIndex(of: "simwatch stopped; state saved"))
        #expect(finished < draining && draining < stopped)
        #expect(log.filter { $0 == "cycle finished" }.count == 1, "no cycle started after the signal")
        // The one Control Center request of the cycle; the baseline raised no event to POST.
        #expect(http.state.withLock { $0.requests.count } == 1)
        let saved = try #require(try StateStore(path: folder.file("state.json"), logger: Logger(label: "test")).read())
        #expect(saved.cycle == 1)
    }
}
