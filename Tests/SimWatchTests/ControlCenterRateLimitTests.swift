import CurlHTTP
import Foundation
import Logging
import Synchronization
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchControlCenter
@testable import SimWatchCore
@testable import SimWatchDaemon

/// Account pauses as the client reports them.
final class PauseLog: Sendable {
    private let pauses = Mutex<[Duration]>([])
    init() {}
    var all: [Duration] { pauses.withLock { $0 } }
    func append(_ pause: Duration) { pauses.withLock { $0.append(pause) } }
}

/// Rate limiting (429, or 40000029 with any status) pauses the account and retries on its own budget.
@Suite struct ControlCenterRateLimitTests {
    static let iccid = "8988216716970004975"
    /// The pause warnings are checked in one test; the others need not print them.
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    /// Real pauses, but in milliseconds: 1 ms doubling up to 8 ms.
    let fastRetry = RetryPolicy(
        attempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5),
        rateLimitBaseDelay: .milliseconds(1), rateLimitMaxDelay: .milliseconds(8))

    /// A client whose account pauses are recorded in `pauses`.
    func client(
        _ http: ScriptedHTTPClient, pauses: PauseLog? = nil, logger: Logger = Self.quiet
    ) -> ControlCenterClient {
        let settings = ControlCenterSettings(
            baseURL: "https://cc.example.com", username: "apiuser", apiKey: Secret("CANARY-API-KEY"),
            rateLimit: 1000, concurrency: 1)
        var observer: (@Sendable (Duration) -> Void)?
        if let pauses {
            observer = { pause in pauses.append(pause) }
        }
        return ControlCenterClient(settings: settings, http: http, retry: fastRetry, logger: logger, onRateLimitPause: observer)
    }

    static func limited(_ status: Int = 429, retryAfter: String? = nil) -> Result<HTTPResponse, HTTPClientError> {
        let body = status == 429 ? "" : #"{"errorMessage":"Rate limit exceeded","errorCode":"40000029"}"#
        return .success(HTTPResponse(status: status, headers: retryAfter.map { [("Retry-After", $0)] } ?? [], body: Data(body.utf8)))
    }

    @Test func fiveLimitedAnswersThenARecordIsASuccess() async throws {
        let http = ScriptedHTTPClient(Array(repeating: Self.limited(), count: 5))
        let pauses = PauseLog()
        let usage = try await client(http, pauses: pauses).usage(iccid: Self.iccid)
        #expect(usage.iccid == Self.iccid)
        #expect(http.state.withLock { $0.requests.count } == 6)
        #expect(pauses.all.count == 5)
    }

    @Test func aSixthLimitedAnswerFailsTheRequest() async {
        let http = ScriptedHTTPClient(Array(repeating: Self.limited(), count: 7))
        await #expect(throws: ControlCenterError.rateLimited(retryAfter: nil)) {
            try await client(http).usage(iccid: Self.iccid)
        }
        #expect(http.state.withLock { $0.requests.count } == 6)
    }

    @Test(arguments: [200, 400, 403, 500, 503])
    func error40000029IsRateLimitingWithAnyStatus(status: Int) async throws {
        let http = ScriptedHTTPClient([Self.limited(status)])
        let pauses = PauseLog()
        let usage = try await client(http, pauses: pauses).usage(iccid: Self.iccid)
        #expect(usage.iccid == Self.iccid)
        #expect(http.state.withLock { $0.requests.count } == 2)
        #expect(pauses.all == [.milliseconds(1)])
    }

    @Test func pausesDoublePerLimitedAnswerInARowAndStartOverAfterAnAnswer() async throws {
        let http = ScriptedHTTPClient(Array(repeating: Self.limited(), count: 5) + [
            .success(ScriptedHTTPClient.record(for: HTTPRequest(url: "https://cc.example.com/rws/api/v1/devices/\(Self.iccid)/ctdUsages"))),
            Self.limited(200),
        ])
        let pauses = PauseLog()
        let client = client(http, pauses: pauses)
        _ = try await client.usage(iccid: Self.iccid)
        _ = try await client.usage(iccid: Self.iccid)
        #expect(pauses.all == [1, 2, 4, 8, 8, 1].map { .milliseconds($0) })
    }

    @Test func retryAfterIsHonouredAndCapped() async throws {
        let http = ScriptedHTTPClient([
            Self.limited(retryAfter: "0.003"), Self.limited(retryAfter: "1e300"), Self.limited(403, retryAfter: "0"),
            Self.limited(retryAfter: "nan"),
        ])
        let pauses = PauseLog()
        _ = try await client(http, pauses: pauses).usage(iccid: Self.iccid)
        // 1e300 is the 30 s cap, held to this policy's 8 ms maximum; nan is ignored, so doubling
        // applies (fourth limited answer in a row: 8 ms).
        #expect(pauses.all == [.milliseconds(3), .milliseconds(8), .zero, .milliseconds(8)])
    }

    @Test func theDefaultPolicyPausesOneSecondDoublingToThirtyHonouringRetryAfterToThirty() {
        let policy = RetryPolicy()
        #expect(policy.rateLimitRetries == 5)
        #expect(policy.rateLimitBaseDelay == .seconds(1))
        #expect(policy.rateLimitMaxDelay == .seconds(30))
    }

    @Test func rateLimitingDoesNotUseUpTheTriesForServerErrors() async throws {
        let serverError = Result<HTTPResponse, HTTPClientError>.success(
            HTTPResponse(status: 500, body: Data(#"{"errorCode":"30000001"}"#.utf8)))
        let http = ScriptedHTTPClient([
            serverError, Self.limited(), Self.limited(), .failure(.timedOut(after: .seconds(1))), Self.limited(),
        ])
        let usage = try await client(http).usage(iccid: Self.iccid)
        #expect(usage.iccid == Self.iccid)
        #expect(http.state.withLock { $0.requests.count } == 6)
    }

    @Test func eachPauseLogsOneWarningNamingThePauseAndTheDevice() async throws {
        let logs = CapturedLogs()
        let http = ScriptedHTTPClient([Self.limited(), Self.limited(retryAfter: "0.002")])
        _ = try await client(http, logger: logs.logger).usage(iccid: Self.iccid)
        let warnings = logs.records.filter { $0.level == .warning }
        #expect(warnings.count == 2)
        #expect(warnings.allSatisfy { $0.message == "rate limited by Control Center; pausing the account" })
        #expect(warnings.map { $0.metadata["pause"]?.description } == ["1ms", "2ms"])
        #expect(warnings.allSatisfy { $0.metadata["iccid"]?.description == Self.iccid })
    }

    @Test func aPauseHoldsOtherDevicesToo() async throws {
        let http = ScriptedHTTPClient([Self.limited(retryAfter: "0.2")])
        let settings = ControlCenterSettings(
            baseURL: "https://cc.example.com", username: "apiuser", apiKey: Secret("k"), rateLimit: 1000, concurrency: 2)
        let client = ControlCenterClient(
            settings: settings, http: http, retry: RetryPolicy(rateLimitMaxDelay: .seconds(1)), logger: Self.quiet)
        let clock = ContinuousClock()
        let start = clock.now
        _ = try await client.usage(iccid: Self.iccid)
        _ = try await client.usage(iccid: "8988216716970004976")
        #expect(clock.now - start >= .milliseconds(200))
    }

    @Test func theDaemonCountsEachPause() async throws {
        let config = try loadedConfig(minimalYAML).config
        let http = ScriptedHTTPClient([Self.limited(retryAfter: "0"), Self.limited(500, retryAfter: "0")])
        let runtime = Runtime.make(config: config, logger: Self.quiet, http: http)
        _ = try await runtime.client.usage(iccid: Self.iccid)
        _ = try await runtime.client(for: config.controlCenter).usage(iccid: Self.iccid)
        // One pause from the first client, one from the client a reload would make.
        #expect(runtime.metrics.parsed.value("simwatch_rate_limit_pauses_total") == 2)
    }

    @Test func pausesAreCounted() {
        let metrics = SimwatchMetrics()
        #expect(metrics.parsed.value("simwatch_rate_limit_pauses_total") == 0)
        metrics.recordRateLimitPause(.seconds(1))
        metrics.recordRateLimitPause(.seconds(2))
        #expect(metrics.parsed.value("simwatch_rate_limit_pauses_total") == 2)
    }
}
