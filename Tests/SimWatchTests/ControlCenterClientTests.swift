import CurlHTTP
import Foundation
import Logging
import Synchronization
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchControlCenter
@testable import SimWatchCore
@testable import SimWatchMonitor

/// An HTTPClient that answers from a script and records what it was asked.
final class ScriptedHTTPClient: HTTPClient {
    struct State {
        var script: [Result<HTTPResponse, HTTPClientError>] = []
        var requests: [HTTPRequest] = []
        var inFlight = 0
        var peak = 0
    }
    let state = Mutex(State())
    let latency: Duration

    init(latency: Duration = .zero, _ script: [Result<HTTPResponse, HTTPClientError>] = []) {
        self.latency = latency
        state.withLock { $0.script = script }
    }

    func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        let next = state.withLock { state -> Result<HTTPResponse, HTTPClientError> in
            state.requests.append(request)
            state.inFlight += 1
            state.peak = max(state.peak, state.inFlight)
            return state.script.isEmpty ? .success(Self.record(for: request)) : state.script.removeFirst()
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        if latency > .zero { try await Task.sleep(for: latency) }
        return try next.get()
    }

    static func record(for request: HTTPRequest) -> HTTPResponse {
        let iccid = request.url.split(separator: "/").dropLast().last.map(String.init) ?? ""
        return HTTPResponse(status: 200, body: Data(#"{"iccid":"\#(iccid)","status":"ACTIVATED"}"#.utf8))
    }
}

@Suite struct ControlCenterClientTests {
    static let iccid = "8988216716970004975"
    let fastRetry = RetryPolicy(attempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))

    func client(_ http: ScriptedHTTPClient, rate: Double = 1000, concurrency: Int = 1) -> ControlCenterClient {
        let settings = ControlCenterSettings(
            baseURL: "https://cc.example.com", username: "apiuser", apiKey: Secret("CANARY-API-KEY"),
            rateLimit: rate, concurrency: concurrency)
        return ControlCenterClient(settings: settings, http: http, retry: fastRetry, logger: Logger(label: "test"))
    }

    @Test func sendsTheDocumentedRequest() async throws {
        let http = ScriptedHTTPClient()
        let usage = try await client(http).usage(iccid: Self.iccid)
        #expect(usage.iccid == Self.iccid)
        let request = try #require(http.state.withLock { $0.requests.first })
        #expect(request.method == "GET")
        #expect(request.url == "https://cc.example.com/rws/api/v1/devices/8988216716970004975/ctdUsages")
        #expect(request.headers.contains { $0.name == "Accept" && $0.value == "application/json" })
        #expect(request.basicAuth?.username == "apiuser")
        #expect(request.basicAuth?.password == "CANARY-API-KEY")
        #expect(!request.url.contains("CANARY"))
    }

    @Test func aPollThatGetsItsSlotAfterShutdownBeganDoesNotStart() async throws {
        let http = ScriptedHTTPClient(latency: .milliseconds(200))
        let client = client(http, concurrency: 1)
        let open = Atomic<Bool>(true)
        let first = Task { try await client.usage(iccid: Self.iccid) }
        // The second waits for the only slot (or has not asked yet); the gate closes meanwhile.
        while http.state.withLock({ $0.requests.isEmpty }) { await Task.yield() }
        let second = Task { try await client.usage(iccid: "8988216716970004976", mayStart: { open.load(ordering: .relaxed) }) }
        open.store(false, ordering: .relaxed)
        #expect(try await first.value.iccid == Self.iccid)
        await #expect(throws: CancellationError.self) { _ = try await second.value }
        #expect(http.state.withLock { $0.requests.count } == 1)
        // The slot came back: a later request is not held up.
        #expect(try await client.usage(iccid: Self.iccid).iccid == Self.iccid)
    }

    @Test func aFailedAnswerIsToldBeforeItsSlotGoesToTheNextRequest() async throws {
        let rejected = HTTPResponse(status: 401, body: Data(#"{"errorCode":"10000001","errorMessage":"Invalid credentials"}"#.utf8))
        let http = ScriptedHTTPClient(latency: .milliseconds(100), [.success(rejected)])
        let client = client(http, concurrency: 1)
        // The cycle's rule: no request starts once an answer said the credentials are wrong.
        let refused = Atomic<Bool>(false)
        let mayStart: @Sendable () -> Bool = { !refused.load(ordering: .relaxed) }
        let answerFailed: @Sendable (ControlCenterError) -> Void = { error in
            if case .invalidCredentials = error { refused.store(true, ordering: .relaxed) }
        }
        let first = Task { try await client.usage(iccid: Self.iccid, mayStart: mayStart, answerFailed: answerFailed) }
        // The second waits for the only slot while the first is answered with a 401.
        while http.state.withLock({ $0.requests.isEmpty }) { await Task.yield() }
        let second = Task {
            try await client.usage(iccid: "8988216716970004976", mayStart: mayStart, answerFailed: answerFailed)
        }
        await #expect(throws: ControlCenterError.self) { _ = try await first.value }
        await #expect(throws: CancellationError.self) { _ = try await second.value }
        #expect(http.state.withLock { $0.requests.count } == 1)
    }

    @Test func rejectsAnInvalidICCIDBeforeAnyRequest() async {
        let http = ScriptedHTTPClient()
        await #expect(throws: ControlCenterError.invalidICCID("123/../x")) {
            try await client(http).usage(iccid: "123/../x")
        }
        #expect(http.state.withLock { $0.requests.isEmpty })
    }

    @Test func retriesServerErrorsThenSucceeds() async throws {
        let http = ScriptedHTTPClient([
            .success(HTTPResponse(status: 500, body: Data(#"{"errorCode":"30000001"}"#.utf8))),
            .failure(.timedOut(after: .seconds(1))),
        ])
        let usage = try await client(http).usage(iccid: Self.iccid)
        #expect(usage.status == "ACTIVATED")
        #expect(http.state.withLock { $0.requests.count } == 3)
    }

    @Test func givesUpAfterThreeAttempts() async {
        let http = ScriptedHTTPClient(Array(repeating: .failure(.connectionFailed("refused")), count: 5))
        await #expect(throws: ControlCenterError.transport(.connectionFailed("refused"))) {
            try await client(http).usage(iccid: Self.iccid)
        }
        #expect(http.state.withLock { $0.requests.count } == 3)
    }

    @Test(arguments: [401, 400, 404])
    func neverRetriesClientErrors(status: Int) async {
        let codes = [401: "10000001", 400: "10000024", 404: "20000001"]
        let body = Data(#"{"errorCode":"\#(codes[status]!)"}"#.utf8)
        let http = ScriptedHTTPClient(Array(repeating: .success(HTTPResponse(status: status, body: body)), count: 3))
        await #expect(throws: ControlCenterError.self) { try await client(http).usage(iccid: Self.iccid) }
        #expect(http.state.withLock { $0.requests.count } == 1)
    }

    @Test func retryAfterPausesTheWholeAccount() async throws {
        let http = ScriptedHTTPClient([.success(HTTPResponse(status: 429, headers: [("Retry-After", "1")]))])
        let settings = ControlCenterSettings(
            baseURL: "https://cc.example.com", username: "apiuser", apiKey: Secret("k"), rateLimit: 1000, concurrency: 2)
        // No rate-limit retries, so the first request fails on its 429 and the second shows the pause.
        let client = ControlCenterClient(
            settings: settings, http: http, retry: RetryPolicy(attempts: 1, rateLimitRetries: 0), logger: Logger(label: "test"))
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: ControlCenterError.rateLimited(retryAfter: .seconds(1))) {
            try await client.usage(iccid: Self.iccid)
        }
        // Another device's request, after the 429, waits out the account-wide pause.
        let second = try await client.usage(iccid: "8988216716970004976")
        #expect(second.iccid == "8988216716970004976")
        #expect(clock.now - start >= .milliseconds(1000))
    }

    @Test func neverMoreInFlightThanConcurrency() async throws {
        let http = ScriptedHTTPClient(latency: .milliseconds(20))
        let client = client(http, rate: 1000, concurrency: 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask { _ = try await client.usage(iccid: "89882167169700\(10000 + index)") }
            }
            try await group.waitForAll()
        }
        #expect(http.state.withLock { $0.peak } == 3)
    }

    @Test func cancellationStopsAWaitingCall() async throws {
        let http = ScriptedHTTPClient(latency: .seconds(5))
        let client = client(http, concurrency: 1)
        let blocker = Task { try await client.usage(iccid: Self.iccid) }
        try await Task.sleep(for: .milliseconds(50))
        let waiting = Task { try await client.usage(iccid: "8988216716970004976") }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        blocker.cancel()
        _ = await blocker.result
    }
}
