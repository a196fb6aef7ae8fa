import Foundation
import Simulator
import Testing
@testable import SimWatchState

@Suite(.serialized) struct DeliveryTests {
    /// Flips a device's status so the next poll raises `status_changed`.
    func flip(_ fixture: Fixture, _ iccid: String) async {
        _ = await fixture.simulator.update(iccid) { $0.status = $0.status == "RETIRED" ? "ACTIVATED" : "RETIRED" }
    }

    // A webhook down for 30 s: `InProcessOutageTests` (SimWatchTests) runs it in this process
    // on a test clock, exact and in under a second, instead of 50 s of wall clock here.

    @Test func retryAfterIsHonoured() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        #expect(try await fixture.once().status == 0)
        await fixture.sink.failNext(1, status: 429, headers: ["Retry-After": "3"])
        await flip(fixture, fixture.iccids[0])
        #expect(try await fixture.once().status == 0)
        let requests = await fixture.sink.requests
        #expect(requests.map(\.status) == [429, 200])
        if requests.count == 2 {
            #expect(requests[1].received - requests[0].received >= .seconds(3))
        }
        #expect(try await fixture.deliveredEvents(successfulOnly: true).map(\.kind) == [.statusChanged])
    }

    /// The issue's example: `Retry-After: 1e300` killed `once` with SIGILL, again after every restart.
    @Test func garbageRetryAfterKeepsTheEventAndOnceExitsZero() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        #expect(try await fixture.once().status == 0)
        await fixture.sink.failAll(status: 429, headers: ["Retry-After": "1e300"], body: #"{"retry_after": 1e300}"#)
        await flip(fixture, fixture.iccids[0])
        let clock = ContinuousClock()
        let started = clock.now
        let first = try await fixture.once()
        #expect(first.status == 0, "\(first.stderr)")
        #expect(clock.now - started < .seconds(30), "a capped Retry-After beyond the budget ends the wait")
        #expect(first.stderr.contains("retry_in=1h"))
        #expect(try fixture.state().outbox.map(\.event.kind) == [.statusChanged])
        // The next run meets more garbage once, backs off normally and delivers.
        await fixture.sink.recover()
        await fixture.sink.failNext(1, status: 429, headers: ["Retry-After": "-1"], body: #"{"retry_after": NaN}"#)
        #expect(try await fixture.once().status == 0)
        #expect(try fixture.state().outbox.isEmpty)
        #expect(try await fixture.deliveredEvents(successfulOnly: true).map(\.kind) == [.statusChanged])
        #expect(!(first.stdout + first.stderr).contains("CANARY-HOOK-TOKEN"))
    }

    @Test func refusedThreeTimesIsDeadLetteredAndATooLargeBatchIsSplit() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        #expect(try await fixture.once().status == 0)
        await fixture.sink.failAll(status: 400, body: "invalid payload for /hook/CANARY-HOOK-TOKEN")
        await flip(fixture, fixture.iccids[0])
        let refused = try await fixture.once()
        #expect(refused.status == 0)
        #expect(await fixture.sink.requests.map(\.status) == [400, 400, 400])
        let letters = try fixture.state().deadLetters
        #expect(letters.map(\.event.kind) == [.statusChanged])
        #expect(letters.first.map { $0.reason.hasPrefix("HTTP 400") } == true)
        #expect(try fixture.state().outbox.isEmpty)
        #expect(!(refused.stderr + (letters.first.map(\.reason) ?? "")).contains("CANARY-HOOK-TOKEN"))

        await fixture.sink.recover()
        await fixture.sink.clearRequests()
        await fixture.sink.failNext(1, status: 413)
        await flip(fixture, fixture.iccids[1])
        await flip(fixture, fixture.iccids[2])
        #expect(try await fixture.once().status == 0)
        let requests = await fixture.sink.requests
        #expect(requests.map(\.status) == [413, 200, 200])
        let sizes = try requests.map { try JSONDecoder.simwatch().decode(GenericBatch.self, from: $0.body).events.count }
        #expect(sizes == [2, 1, 1])
        #expect(try fixture.state().outbox.isEmpty)
        #expect(try fixture.state().deadLetters.count == 1)
    }

    /// An alert restored after a week of downtime is tried once before `max_age` gives up on it.
    @Test func anAlertOlderThanMaxAgeGetsOneTryAfterARestart() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        #expect(try await fixture.once().status == 0)
        // Retry-After beyond once's budget: each run makes one try and leaves.
        await fixture.sink.failAll(status: 503, headers: ["Retry-After": "3600"])
        await flip(fixture, fixture.iccids[0])
        #expect(try await fixture.once().status == 0)
        var state = try fixture.state()
        #expect(state.outbox.count == 1 && state.deadLetters.isEmpty)
        // A week passes with simwatch stopped.
        state.outbox[0].enqueuedAt = Date().addingTimeInterval(-7 * 86_400)
        try fixture.folder.write("state.json", String(decoding: StateCodec.encode(state), as: UTF8.self))
        await fixture.sink.clearRequests()
        let restarted = try await fixture.once()
        #expect(restarted.status == 0)
        #expect(await fixture.sink.requests.map(\.status) == [503], "exactly one try, then expired")
        let after = try fixture.state()
        #expect(after.outbox.isEmpty)
        #expect(after.deadLetters.map(\.event.kind) == [.statusChanged])
        #expect(after.deadLetters.first.map { $0.reason.contains("max_age") } == true)
        #expect(restarted.stderr.contains("event expired undelivered; dead-lettered"))
    }

    @Test func aHangingWebhookDoesNotDelayAnother() async throws {
        let hanging = try SilentServer()
        let fixture = try await Fixture.start(extraYAML: """
              - name: hanging
                format: generic
                url: http://127.0.0.1:\(hanging.port)/hook
            delivery: { group_wait: 0s }
            """, interval: "1s")
        defer { Task { await fixture.stop() } }
        let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
        #expect(await eventually { (try? fixture.state().cycle) ?? 0 >= 1 })
        await flip(fixture, fixture.iccids[0])
        #expect(await eventually { await !fixture.sink.requests.isEmpty })
        let received = try #require(await fixture.sink.requests.first).receivedAt
        let detectedLine = try #require(daemon.stderr.split(separator: "\n").first { $0.contains("kind=status_changed") })
        let detected = try #require(logTime(String(detectedLine)))
        // An event waits for the next checkpoint save (every second) before it is sent; a
        // delivery stuck behind the hanging one would wait for its 10 s timeout.
        #expect(received.timeIntervalSince(detected) < 2.5, "delivered \(received.timeIntervalSince(detected)) s after detection")
        daemon.signal(SIGTERM)
        // The hanging POST holds the shutdown for the whole delivery grace (5 s): the exit
        // comes at about 5 s, so the wait allows a busy machine well beyond that.
        #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0)
    }

    @Test func testAlertReportsEachWebhook() async throws {
        let fixture = try await Fixture.start(extraYAML: """
              - name: refused
                format: generic
                url: http://127.0.0.1:1/hook
            """)
        defer { Task { await fixture.stop() } }
        let both = try await SimwatchProcess.run(["test-alert", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
        #expect(both.status == 1)
        #expect(both.stdout.contains("ops (generic, http://127.0.0.1:"))
        #expect(both.stdout.contains("OK, HTTP 200"))
        #expect(both.stdout.contains("refused (generic, http://127.0.0.1:1/…): FAILED"))
        let one = try await SimwatchProcess.run(["test-alert", "--config", fixture.configPath, "--webhook", "ops"], in: fixture.folder.path, environment: fixture.environment)
        #expect(one.status == 0)
        let events = try await fixture.deliveredEvents()
        #expect(events.count == 2 && events.allSatisfy { $0.kind == .test && $0.severity == .info })
        #expect(!(both.stdout + both.stderr).contains("CANARY-HOOK-TOKEN"))
    }
}

/// `ts=2026-11-27T10:00:00.123Z` of a logfmt line.
func logTime(_ line: String) -> Date? {
    guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("ts=") }) else { return nil }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: String(field.dropFirst(3)))
}

/// A TCP server that accepts connections into its backlog and never answers.
final class SilentServer: Sendable {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: actual.sin_port)
    }

    deinit { close(fd) }
}
