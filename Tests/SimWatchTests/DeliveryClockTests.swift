import CurlHTTP
import Foundation
import Logging
import Synchronization
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchState

/// Answers from a script and notes when, on the test clock, each request came.
final class TimedHTTPClient: HTTPClient {
    private let script: Mutex<[HTTPResponse]>
    private let times = Mutex<[Duration]>([])
    let clock: SteppingClock

    init(_ script: [HTTPResponse], clock: SteppingClock) {
        self.script = Mutex(script)
        self.clock = clock
    }

    /// When each request came, from the clock's start.
    var requestTimes: [Duration] { times.withLock { $0 } }

    func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        times.withLock { $0.append(clock.elapsed) }
        return script.withLock { $0.isEmpty ? HTTPResponse(status: 200) : $0.removeFirst() }
    }
}

/// A value shared with a task: a `Mutex` itself cannot be captured.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { value.withLock { body(&$0) } }
}

/// Lane pacing on a test clock: backoff, Retry-After and its cap, in milliseconds of real time.
@Suite struct DeliveryClockTests {
    static func harness(
        _ script: [HTTPResponse], in folder: borrowing TemporaryDirectory, clock: SteppingClock
    ) async throws -> (MonitorEngine, OutboxDelivery, TimedHTTPClient) {
        let config = Config(
            path: "test.yaml",
            controlCenter: ControlCenterSettings(baseURL: "https://cc.example.com", username: "u", apiKey: Secret("k")),
            stateFile: folder.file("state.json"), devices: [DeviceEntry(iccid: "8988216716970004975")],
            webhooks: [WebhookSettings(name: "ops", format: .generic, url: Secret("https://hooks.example.com/x"))],
            delivery: DeliverySettings(groupWait: .zero, maxRate: 1000))
        let engine = MonitorEngine(config: config, logger: Logger(label: "test"), clock: clock.clock)
        try await engine.start()
        let http = TimedHTTPClient(script, clock: clock)
        let backoff = RetryPolicy(attempts: .max, baseDelay: .seconds(1), maxDelay: .seconds(300), jitter: 0)
        let delivery = OutboxDelivery(
            outbox: engine, config: config, http: http, logger: Logger(label: "test"), backoff: backoff, clock: clock.clock)
        await engine.raise([FormatFixtures.statusChange(1)])
        await engine.save()
        return (engine, delivery, http)
    }

    /// Drains on the test clock, moving it to each deadline the lanes set; returns what is left.
    static func drain(_ delivery: OutboxDelivery, clock: SteppingClock, within budget: Duration) async -> Int {
        let left = Shared<Int?>(nil)
        let task = Task {
            let pending = await delivery.drain(within: budget)
            left.withLock { $0 = pending }
        }
        while left.withLock({ $0 == nil }) {
            if clock.sleeperCount > 0 {
                clock.advanceToNextDeadline()
            } else {
                await Task.yield()
                try? await Task.sleep(for: .microseconds(100))
            }
        }
        await task.value
        return left.withLock { $0 ?? -1 }
    }

    @Test("failures back off 1 s doubling: tries at 0, 1, 3 and 7 s")
    func backoffDoubles() async throws {
        let folder = try TemporaryDirectory()
        let clock = SteppingClock()
        let (engine, delivery, http) = try await Self.harness(
            [HTTPResponse(status: 503), HTTPResponse(status: 503), HTTPResponse(status: 503)], in: folder, clock: clock)
        #expect(await Self.drain(delivery, clock: clock, within: .seconds(60)) == 0)
        #expect(http.requestTimes == [.zero, .seconds(1), .seconds(3), .seconds(7)])
        #expect(await engine.state.outbox.isEmpty)
    }

    @Test("Retry-After is honoured, and 1e300 is held at the 1 h cap instead of trapping")
    func retryAfterIsCapped() async throws {
        let folder = try TemporaryDirectory()
        let clock = SteppingClock()
        let (engine, delivery, http) = try await Self.harness(
            [HTTPResponse(status: 429, headers: [("Retry-After", "30")]),
             HTTPResponse(status: 429, headers: [("Retry-After", "1e300")])],
            in: folder, clock: clock)
        #expect(await Self.drain(delivery, clock: clock, within: .seconds(7200)) == 0)
        #expect(http.requestTimes == [.zero, .seconds(30), .seconds(30 + 3600)])
        #expect(await engine.state.outbox.isEmpty)
    }

    @Test("what the budget does not reach stays in the outbox")
    func budgetEnds() async throws {
        let folder = try TemporaryDirectory()
        let clock = SteppingClock()
        let (engine, delivery, http) = try await Self.harness(
            Array(repeating: HTTPResponse(status: 500), count: 20), in: folder, clock: clock)
        #expect(await Self.drain(delivery, clock: clock, within: .seconds(10)) == 1)
        #expect(http.requestTimes == [.zero, .seconds(1), .seconds(3), .seconds(7)])
        #expect(await engine.state.outbox.count == 1)
    }

    @Test("the test clock wakes sleepers in deadline order")
    func clockWakesInOrder() async throws {
        let clock = SteppingClock()
        let order = Shared<[Int]>([])
        await withTaskGroup(of: Void.self) { group in
            for (index, seconds) in [3, 1, 2].enumerated() {
                group.addTask {
                    try? await clock.sleep(until: clock.origin + .seconds(seconds))
                    order.withLock { $0.append(index) }
                }
            }
            #expect(await clock.waitForSleepers(3))
            while clock.advanceToNextDeadline() {
                // Each wake-up runs before the next deadline is reached.
                while order.withLock({ $0.count }) < 3 - clock.sleeperCount { await Task.yield() }
            }
        }
        #expect(order.withLock { $0 } == [1, 2, 0])
        #expect(clock.elapsed == .seconds(3))
    }
}
