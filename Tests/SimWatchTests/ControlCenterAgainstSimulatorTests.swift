import CurlHTTP
import Foundation
import Logging
import Simulator
import Synchronization
import Testing
@testable import SimWatchConfig
@testable import SimWatchControlCenter
@testable import SimWatchCore

/// The Control Center client over real HTTP (libcurl) against the simulator.
@Suite struct ControlCenterAgainstSimulatorTests {
    static let key = "CANARY-SIM-KEY"

    func start(devices: Int = 3) async throws -> ControlCenterSimulator {
        let simulator = ControlCenterSimulator(deviceCount: devices, username: "apiuser", apiKey: Self.key, clock: .manual(ManualClock()))
        try await simulator.start()
        return simulator
    }

    func client(_ simulator: ControlCenterSimulator, key: String = key, version: Int = 1, rate: Double = 100,
                concurrency: Int = 1, timeout: Duration = .seconds(5)) async -> ControlCenterClient {
        let settings = ControlCenterSettings(
            baseURL: await simulator.baseURL, username: "apiuser", apiKey: Secret(key), apiVersion: version,
            timeout: timeout, rateLimit: rate, concurrency: concurrency)
        return ControlCenterClient(
            settings: settings, http: CurlHTTPClient(),
            retry: RetryPolicy(attempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50), rateLimitBaseDelay: .milliseconds(10)),
            logger: Logger(label: "test"))
    }

    @Test func decodesEveryFieldTheSimulatorServes() async throws {
        let simulator = try await start()
        defer { Task { await simulator.stop() } }
        let iccid = await simulator.iccids[0]
        _ = await simulator.update(iccid) {
            $0.imei = "353333333333333"; $0.ctdSessionCount = nil; $0.ctdDataUsage = 9_000_000_000_000
        }
        let served = try #require(await simulator.device(iccid))
        let usage = try await client(simulator).usage(iccid: iccid)
        #expect(usage == DeviceUsage(
            iccid: iccid, imsi: served.imsi, msisdn: served.msisdn, imei: "353333333333333", status: served.status,
            ratePlan: served.ratePlan, communicationPlan: served.communicationPlan, ctdDataUsage: 9_000_000_000_000,
            ctdSMSUsage: served.ctdSMSUsage, ctdVoiceUsage: served.ctdVoiceUsage, ctdSessionCount: nil,
            overageLimitReached: served.overageLimitReached, overageLimitOverride: served.overageLimitOverride))
    }

    @Test func eachDocumentedErrorKind() async throws {
        let simulator = try await start()
        defer { Task { await simulator.stop() } }
        let iccid = await simulator.iccids[0]
        await #expect(throws: ControlCenterError.invalidCredentials) { try await client(simulator, key: "wrong").usage(iccid: iccid) }
        await #expect(throws: ControlCenterError.invalidAPIVersion(2)) { try await client(simulator, version: 2).usage(iccid: iccid) }
        await #expect(throws: ControlCenterError.deviceNotFound(iccid: "8988216716979999999")) {
            try await client(simulator).usage(iccid: "8988216716979999999")
        }
        await simulator.injectFault(iccid: iccid, fault: .latin1Error)
        await #expect(throws: ControlCenterError.invalidCredentials) { try await client(simulator).usage(iccid: iccid) }
        await simulator.clearFaults()

        await simulator.injectFault(iccid: iccid, fault: .serverError)
        do {
            _ = try await client(simulator).usage(iccid: iccid)
            Issue.record("expected a server error")
        } catch let error as ControlCenterError {
            #expect(error == .serverError(status: 500, code: "30000001", message: "Unknown server error."))
        }
        // Retried three times, then given up.
        #expect(await simulator.requests().filter { $0.status == 500 }.count == 3)
        await simulator.clearFaults()

        for fault in [Fault.html(status: 404), .truncatedJSON] {
            await simulator.injectFault(iccid: iccid, fault: fault, count: 1)
            do {
                _ = try await client(simulator).usage(iccid: iccid)
                Issue.record("expected an unexpected response for \(fault)")
            } catch let error as ControlCenterError {
                guard case .unexpectedResponse = error else { Issue.record("got \(error)"); continue }
                #expect(!"\(error)".contains(Self.key))
            }
        }

        await simulator.injectFault(iccid: iccid, fault: .rateLimited(retryAfterSeconds: 1), count: 1)
        let clock = ContinuousClock()
        let start = clock.now
        _ = try await client(simulator).usage(iccid: iccid)
        #expect(clock.now - start >= .seconds(1))

        await simulator.stop()
        await #expect(throws: ControlCenterError.self) { try await client(simulator).usage(iccid: iccid) }
    }

    @Test func rateLimitingWithAnyStatusIsRetriedAndAGatewayNotFoundIsNoMissingDevice() async throws {
        let simulator = try await start()
        defer { Task { await simulator.stop() } }
        let iccid = await simulator.iccids[0]
        let limited = #"{"errorMessage":"Rate limit exceeded","errorCode":"40000029"}"#
        await simulator.injectFault(iccid: iccid, fault: .status(200, body: limited), count: 2)
        let usage = try await client(simulator).usage(iccid: iccid)
        #expect(usage.iccid == iccid)
        #expect(await simulator.requests().count == 3)

        await simulator.injectFault(iccid: iccid, fault: .status(404, body: #"{"message":"no route"}"#), count: 1)
        do {
            _ = try await client(simulator).usage(iccid: iccid)
            Issue.record("expected an unexpected response")
        } catch let error as ControlCenterError {
            guard case .unexpectedResponse(404, _, _) = error else { Issue.record("got \(error)"); return }
        }
    }

    @Test func thirtyRequestsAtRateTenTakeAtLeastTwoPointNineSeconds() async throws {
        let simulator = try await start(devices: 30)
        defer { Task { await simulator.stop() } }
        // Start times are taken where requests leave the client: the test server's own
        // clock lags under a loaded test run and would measure itself, not the limiter.
        let http = StartRecordingClient(CurlHTTPClient())
        let settings = ControlCenterSettings(
            baseURL: await simulator.baseURL, username: "apiuser", apiKey: Secret(Self.key), rateLimit: 10, concurrency: 4)
        let client = ControlCenterClient(settings: settings, http: http, logger: Logger(label: "test"))
        let iccids = await simulator.iccids
        let clock = ContinuousClock()
        let begun = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for iccid in iccids { group.addTask { _ = try await client.usage(iccid: iccid) } }
            try await group.waitForAll()
        }
        #expect(clock.now - begun >= .milliseconds(2900))
        #expect(await simulator.requests().count == 30)
        let starts = http.starts.withLock { $0 }.sorted()
        #expect(starts.count == 30)
        // No burst: 11 starts never fall within 950 ms (the 50 ms spare allows for a
        // loaded test host waking one task late; the limiter spaces them 105 ms apart).
        for (index, start) in starts.enumerated() {
            #expect(starts[index...].prefix { $0 - start < .milliseconds(950) }.count <= 10)
        }
    }

    @Test func neverMoreInFlightThanConcurrency() async throws {
        let simulator = try await start(devices: 12)
        defer { Task { await simulator.stop() } }
        await simulator.injectFault(fault: .delay(.milliseconds(150)))
        // A timeout no stalled test host reaches: a request that timed out is retried while
        // the simulator still counts the first one (a full run once stalled this one 12 s).
        let client = await client(simulator, rate: 1000, concurrency: 3, timeout: .seconds(120))
        let iccids = await simulator.iccids
        try await withThrowingTaskGroup(of: Void.self) { group in
            for iccid in iccids { group.addTask { _ = try await client.usage(iccid: iccid) } }
            try await group.waitForAll()
        }
        let peak = await simulator.inFlightPeak
        #expect(peak == 3, "the limit is 3, and used")
    }
}

/// Notes when each request is handed to the wrapped client.
final class StartRecordingClient: HTTPClient {
    let wrapped: any HTTPClient
    let starts = Mutex<[ContinuousClock.Instant]>([])

    init(_ wrapped: any HTTPClient) {
        self.wrapped = wrapped
    }

    func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        starts.withLock { $0.append(ContinuousClock.now) }
        return try await wrapped.execute(request)
    }
}
