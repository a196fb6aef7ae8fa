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

/// A wall clock tests move by hand.
final class SettableWallClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// What a lane does with each kind of answer: refusals, 413 splits, expiry and the dead-letter cap.
@Suite struct DeliveryLaneTests {
    static let fast = RetryPolicy(attempts: .max, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2), jitter: 0)

    struct Harness {
        let engine: MonitorEngine
        let http: ScriptedHTTPClient
        let delivery: OutboxDelivery
        let logs: CapturedLogs
        let clock: SettableWallClock

        var requests: [HTTPRequest] { http.state.withLock { $0.requests } }

        /// Ids of the events each request carried (generic format).
        var requestedIDs: [[String]] {
            requests.map { request in
                let object = (try? JSONSerialization.jsonObject(with: request.body ?? Data())) as? [String: Any]
                return (object?["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
        }
    }

    /// An engine with one generic webhook `ops`, started, and a lane over a scripted client.
    static func harness(
        _ script: [Result<HTTPResponse, HTTPClientError>], in folder: borrowing TemporaryDirectory,
        maxAge: Duration = .seconds(24 * 3600), start: Date = FormatFixtures.observedAt
    ) async throws -> Harness {
        let config = Config(
            path: "test.yaml",
            controlCenter: ControlCenterSettings(baseURL: "https://cc.example.com", username: "u", apiKey: Secret("k")),
            stateFile: folder.file("state.json"), devices: [DeviceEntry(iccid: "8988216716970004975")],
            webhooks: [WebhookSettings(name: "ops", format: .generic, url: Secret(Canary.webhookURL))],
            delivery: DeliverySettings(maxAge: maxAge, groupWait: .zero, maxRate: 1000))
        let logs = CapturedLogs()
        let clock = SettableWallClock(start)
        let engine = MonitorEngine(config: config, logger: logs.logger, now: { clock.now })
        try await engine.start()
        let http = ScriptedHTTPClient(script)
        let delivery = OutboxDelivery(outbox: engine, config: config, http: http, logger: logs.logger, backoff: fast)
        return Harness(engine: engine, http: http, delivery: delivery, logs: logs, clock: clock)
    }

    static func events(_ count: Int) -> [Event] {
        (1...count).map { FormatFixtures.statusChange($0) }
    }

    static func answer(_ status: Int, _ body: String = "") -> Result<HTTPResponse, HTTPClientError> {
        .success(HTTPResponse(status: status, body: Data(body.utf8)))
    }

    /// Raises `events` and saves, so they are deliverable.
    static func enqueue(_ events: [Event], in harness: Harness) async {
        await harness.engine.raise(events)
        await harness.engine.save()
    }

    @Test("400 is tried three times with backoff in between, then dead-lettered")
    func refusedThreeTimes() async throws {
        let folder = try TemporaryDirectory()
        let h = try await Self.harness([Self.answer(400, "bad payload from \(Canary.webhookURL)"), Self.answer(400), Self.answer(400), Self.answer(200)], in: folder)
        await Self.enqueue(Self.events(2), in: h)
        #expect(await h.delivery.drain(within: .seconds(5)) == 0)
        #expect(h.requests.count == 3)
        let letters = await h.engine.state.deadLetters
        #expect(letters.map(\.event.id) == Self.events(2).map(\.id))
        #expect(letters.allSatisfy { $0.webhook == "ops" && $0.reason.hasPrefix("HTTP 400") })
        #expect(await h.engine.state.outbox.isEmpty)
        #expect(await h.delivery.counters.snapshot()["ops"]?.deadLettered == 2)
        #expect(await h.delivery.counters.snapshot()["ops"]?.retried == 4)
        let text = h.logs.records.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!text.contains("CANARY") && !letters.contains { $0.reason.contains("CANARY") })
    }

    @Test("422 counts like 400; a 2xx in between starts the count again")
    func refusalCountResetsOnDelivery() async throws {
        let folder = try TemporaryDirectory()
        let h = try await Self.harness([Self.answer(422), Self.answer(422), Self.answer(204)], in: folder)
        await Self.enqueue(Self.events(1), in: h)
        #expect(await h.delivery.drain(within: .seconds(5)) == 0)
        #expect(h.requests.count == 3)
        #expect(await h.engine.state.deadLetters.isEmpty)
        #expect(await h.delivery.counters.snapshot()["ops"]?.delivered == 1)
    }

    @Test("413 splits the batch in halves; each half is sent on its own")
    func tooLargeSplits() async throws {
        let folder = try TemporaryDirectory()
        let h = try await Self.harness([Self.answer(413), Self.answer(200), Self.answer(200)], in: folder)
        let events = Self.events(4)
        await Self.enqueue(events, in: h)
        #expect(await h.delivery.drain(within: .seconds(5)) == 0)
        let ids = events.map(\.id)
        #expect(h.requestedIDs == [ids, Array(ids[..<2]), Array(ids[2...])])
        #expect(await h.engine.state.deadLetters.isEmpty)
        #expect(await h.engine.state.outbox.isEmpty)
    }

    @Test("a single event answered 413 is dead-lettered; its batch mates still go")
    func tooLargeSingleEvent() async throws {
        let folder = try TemporaryDirectory()
        let h = try await Self.harness([Self.answer(413), Self.answer(413), Self.answer(200)], in: folder)
        let events = Self.events(3)
        await Self.enqueue(events, in: h)
        #expect(await h.delivery.drain(within: .seconds(5)) == 0)
        let ids = events.map(\.id)
        #expect(h.requestedIDs == [ids, [ids[0]], Array(ids[1...])])
        #expect(await h.engine.state.deadLetters.map(\.event.id) == [ids[0]])
        #expect(await h.engine.state.deadLetters.first?.reason.hasPrefix("HTTP 413") == true)
        #expect(await h.engine.state.outbox.isEmpty)
    }

    @Test("every other answer is retried, never dead-lettered before max_age", arguments: [0, 302, 401, 403, 404, 408, 410, 429, 500, 503, 999])
    func otherAnswersRetry(status: Int) async throws {
        let folder = try TemporaryDirectory()
        let h = try await Self.harness(Array(repeating: Self.answer(status), count: 6) + [Self.answer(200)], in: folder)
        await Self.enqueue(Self.events(1), in: h)
        // Seven attempts 1–2 ms apart take milliseconds; the budget only bounds a stall of the
        // whole suite (both pool threads held by other tests), which had run out 5 s.
        #expect(await h.delivery.drain(within: .seconds(30)) == 0)
        #expect(h.requests.count == 7)
        #expect(await h.engine.state.deadLetters.isEmpty)
    }

    @Test("Retry-After of 1e300 neither traps nor waits beyond the cap")
    func hugeRetryAfter() async throws {
        let folder = try TemporaryDirectory()
        let h = try await Self.harness([Result<HTTPResponse, HTTPClientError>.success(HTTPResponse(status: 429, headers: [("Retry-After", "1e300")]))], in: folder)
        await Self.enqueue(Self.events(1), in: h)
        #expect(await h.delivery.drain(within: .milliseconds(300)) == 1)
        #expect(h.requests.count == 1)
        #expect(await h.engine.state.outbox.count == 1)
        let warning = try #require(h.logs.records.first { $0.message == "alert delivery failed; will retry" })
        #expect(warning.metadata["retry_in"]?.description == HumanFormat.duration(.seconds(3600)))
    }

    @Test("an event restored after a long downtime gets one try before max_age expires it")
    func expiryWaitsForOneAttempt() async throws {
        let folder = try TemporaryDirectory()
        let first = try await Self.harness([], in: folder)
        await Self.enqueue(Self.events(1), in: first)
        await first.engine.close()
        // A week later, a new process over the same state file, the webhook still down.
        let later = FormatFixtures.observedAt.addingTimeInterval(7 * 86_400)
        let h = try await Self.harness(Array(repeating: Self.answer(503), count: 3), in: folder, start: later)
        await h.delivery.expire()
        #expect(await h.engine.state.outbox.count == 1, "not expired before a try")
        #expect(await h.delivery.drain(within: .seconds(2)) == 0)
        #expect(h.requests.count == 1)
        let letters = await h.engine.state.deadLetters
        #expect(letters.count == 1 && letters[0].reason.contains("max_age"))
        #expect(await h.delivery.counters.snapshot()["ops"]?.deadLettered == 1)
    }

    @Test("a young event is not expired by its first failed try")
    func youngEventsStay() async throws {
        let folder = try TemporaryDirectory()
        let h = try await Self.harness(Array(repeating: Self.answer(503), count: 10_000), in: folder)
        await Self.enqueue(Self.events(1), in: h)
        #expect(await h.delivery.drain(within: .milliseconds(50)) == 1)
        h.clock.advance(3600)
        await h.delivery.expire()
        #expect(await h.engine.state.outbox.count == 1)
        h.clock.advance(86_400)
        await h.delivery.expire()
        #expect(await h.engine.state.outbox.isEmpty)
        #expect(await h.engine.state.deadLetters.count == 1)
    }

    @Test("deliveries for a webhook no longer configured expire without a try")
    func removedWebhookExpires() async throws {
        let folder = try TemporaryDirectory()
        let h = try await Self.harness([], in: folder)
        await h.engine.raise(Self.events(1))
        await h.engine.save()
        var config = await h.engine.config
        config.webhooks = [WebhookSettings(name: "other", format: .generic, url: Secret("https://x.example/hook"))]
        await h.engine.apply(config)
        await h.delivery.apply(config)
        h.clock.advance(2 * 86_400)
        await h.delivery.expire()
        #expect(await h.engine.state.deadLetters.map(\.webhook) == ["ops"])
    }

    @Test("the newest 1,000 dead letters are kept; dropping older ones is logged once and counted")
    func deadLetterCapIsCounted() async throws {
        let folder = try TemporaryDirectory()
        var state = PersistentState()
        state.deadLetters = (0..<PersistentState.deadLetterLimit).map { index in
            DeadLetter(event: StateFixtures.event(id: String(format: "%016x", 50_000 + index)), webhook: "ops", reason: "old", at: FormatFixtures.observedAt)
        }
        try StateStore(path: folder.file("state.json"), logger: Logger(label: "test")).save(state)
        let h = try await Self.harness([Self.answer(413), Self.answer(413), Self.answer(413)], in: folder)
        await Self.enqueue(Self.events(2), in: h)
        #expect(await h.delivery.drain(within: .seconds(5)) == 0)
        let letters = await h.engine.state.deadLetters
        #expect(letters.count == PersistentState.deadLetterLimit)
        #expect(letters.suffix(2).map(\.event.id) == Self.events(2).map(\.id))
        #expect(letters.first?.event.id == String(format: "%016x", 50_002))
        #expect(await h.delivery.counters.deadLettersDropped == 2)
        #expect(await h.delivery.counters.snapshot()["ops"]?.deadLettersDropped == 2)
        let dropLines = h.logs.records.filter { $0.message.hasPrefix("oldest dead letters dropped") }
        #expect(dropLines.count == 2 && dropLines.allSatisfy { $0.metadata["dropped"] == "1" })
    }

    @Test func droppedLettersAreTheOldest() {
        let letter = { (id: String) in DeadLetter(event: StateFixtures.event(id: id), webhook: "ops", reason: "r", at: FormatFixtures.observedAt) }
        let before = ["a", "b", "c"].map(letter)
        let added = ["d", "e", "f", "g"].map(letter)
        let change = DeadLettering(before: before, letters: added, after: Array((before + added).suffix(2)))
        #expect(change.dropped.map(\.event.id) == ["a", "b", "c", "d", "e"])
        #expect(DeadLettering(before: before, letters: added, after: before + added).dropped.isEmpty)
    }

    @Test("max_rate that is no positive number paces one a second, never traps", arguments: [
        (1.0, Duration.seconds(1)), (1000, .milliseconds(1)), (0, .seconds(1)), (-1, .seconds(1)),
        (.nan, .seconds(1)), (.infinity, .seconds(1)), (1e-300, .seconds(1000)), (1e300, .milliseconds(1)),
    ])
    func spacing(rate: Double, expected: Duration) {
        #expect(OutboxDelivery.spacing(maxRate: rate) == expected)
    }
}
