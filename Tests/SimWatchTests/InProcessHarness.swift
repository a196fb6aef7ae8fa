import CurlHTTP
import Foundation
import Logging
import ServiceLifecycleTestKit
import Simulator
import Synchronization
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchState

/// Counts requests in flight, so the harness moves the clock only when the network is quiet;
/// notes when (on the test clock) each request started.
final class QuietHTTPClient: HTTPClient {
    private let inner: any HTTPClient
    private let inFlightCount = Mutex(0)
    private let now: @Sendable () -> ContinuousClock.Instant
    private let started = Mutex<[(url: String, at: ContinuousClock.Instant)]>([])
    init(_ inner: any HTTPClient, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.inner = inner
        self.now = now
    }
    var inFlight: Int { inFlightCount.withLock { $0 } }
    /// Every request so far: its URL and when it started.
    var starts: [(url: String, at: ContinuousClock.Instant)] { started.withLock { $0 } }

    func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        let at = now()
        started.withLock { $0.append((request.url, at)) }
        inFlightCount.withLock { $0 += 1 }
        defer { inFlightCount.withLock { $0 -= 1 } }
        return try await inner.execute(request)
    }
}

/// The daemon in this process, built the way `run` builds it (`Runtime.make`, `MonitorService`),
/// against the simulator and a webhook sink over real HTTP, on a `SteppingClock`.
///
/// `run(for:)` moves the clock from one deadline to the next whenever no request is in
/// flight, so minutes of cycles, lanes and backoff take milliseconds.
final class InProcessHarness: Sendable {
    static let key = "CANARY-SIM-KEY"
    let simulator: ControlCenterSimulator
    let sink: WebhookSink
    let clock: SteppingClock
    let http: QuietHTTPClient
    let logs = CapturedLogs()
    let stateFile: String
    private let task = Mutex<Task<Void, any Error>?>(nil)
    private let shutdown = Mutex<GracefulShutdownTestTrigger?>(nil)

    /// - Parameter usageFollowsClock: counters grow with the test clock (else they stand still).
    init(devices: Int, stateFile: String, usageFollowsClock: Bool = false) async throws {
        let clock = SteppingClock()
        self.clock = clock
        http = QuietHTTPClient(CurlHTTPClient()) { clock.now }
        let usage: UsageClock = usageFollowsClock ? UsageClock { clock.elapsed } : .manual(Simulator.ManualClock())
        simulator = ControlCenterSimulator(deviceCount: devices, username: "apiuser", apiKey: Self.key, clock: usage)
        _ = try await simulator.start()
        sink = WebhookSink(logger: Logger(label: "sink"))
        _ = try await sink.start()
        self.stateFile = stateFile
    }

    func config(interval: Duration, groupWait: Duration) async -> Config {
        Config(
            path: "test.yaml",
            controlCenter: ControlCenterSettings(
                baseURL: await simulator.baseURL, username: "apiuser", apiKey: Secret(Self.key), timeout: .seconds(5),
                rateLimit: 100),
            poll: PollSettings(interval: interval), stateFile: stateFile,
            devices: await simulator.iccids.map { DeviceEntry(iccid: $0) },
            webhooks: [WebhookSettings(name: "ops", format: .generic, url: Secret(await sink.url(path: "/hook/CANARY-HOOK-TOKEN")))],
            delivery: DeliverySettings(groupWait: groupWait))
    }

    /// Starts the daemon's services; `stop()` shuts them down gracefully.
    ///
    /// With `steppedWallClock`, the wall clock (event times, flapping, maintenance windows)
    /// moves with the test clock from `wallStart`, instead of being the real time.
    func start(_ config: Config, steppedWallClock wallStart: Date? = nil) {
        let now: @Sendable () -> Date = if let wallStart {
            { [clock] in wallStart + clock.elapsed.seconds }
        } else {
            { Date() }
        }
        let runtime = Runtime.make(config: config, logger: logs.logger, http: http, now: now, clock: clock.clock)
        let service = MonitorService(runtime: runtime, notifier: nil) { config }
        let started = Task {
            try await testGracefulShutdown { trigger in
                self.shutdown.withLock { $0 = trigger }
                try await service.run()
            }
            // As the process's exit would: the state file's lock goes, so the daemon may start again.
            await runtime.engine.close()
        }
        task.withLock { $0 = started }
    }

    /// Moves the clock forward by `duration`, deadline by deadline, each once the network is quiet.
    func run(for duration: Duration) async {
        let target = clock.elapsed + duration
        while clock.elapsed < target {
            await settle()
            let next = clock.nextDeadline.map { $0 - clock.origin }
            if let next, next <= target {
                clock.advance(by: max(next - clock.elapsed, .zero))
            } else {
                clock.advance(by: target - clock.elapsed)
            }
        }
        await settle()
    }

    /// Runs until `condition` holds or `limit` of test-clock time passed; returns whether it holds.
    func run(until limit: Duration, step: Duration = .milliseconds(500), _ condition: () async -> Bool) async -> Bool {
        let end = clock.elapsed + limit
        while clock.elapsed < end {
            if await condition() { return true }
            await run(for: step)
        }
        return await condition()
    }

    /// Waits (briefly, in real time) until no request is in flight and the sleepers stay put.
    private func settle() async {
        var quiet = 0
        var sleepers = -1
        while quiet < 3 {
            try? await Task.sleep(for: .microseconds(300))
            let now = clock.sleeperCount
            quiet = http.inFlight == 0 && now == sleepers ? quiet + 1 : 0
            sleepers = now
        }
    }

    /// Shuts the daemon down gracefully, moving the clock through the grace periods, and
    /// the simulator and sink after it.
    func stop() async throws {
        try await stopDaemon()
        await sink.stop()
        await simulator.stop()
    }

    /// Shuts the daemon down gracefully but keeps the simulator and sink, for a restart.
    func stopDaemon() async throws {
        shutdown.withLock { $0 }?.triggerGracefulShutdown()
        let running = task.withLock { $0 }
        let done = Shared(false)
        let driver = Task {
            while !done.withLock({ $0 }) { await self.run(for: .milliseconds(200)) }
        }
        try await running?.value
        done.withLock { $0 = true }
        await driver.value
    }

    /// Events the sink answered with a 2xx, in the order received.
    func delivered() async -> [Event] {
        await sink.requests.filter { (200..<300).contains($0.status) }.flatMap { request in
            ((try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any])?["events"] as? [[String: Any]] ?? []
        }.compactMap { object in
            guard let data = try? JSONSerialization.data(withJSONObject: object) else { return nil }
            return try? JSONDecoder.simwatch().decode(Event.self, from: data)
        }
    }
}
