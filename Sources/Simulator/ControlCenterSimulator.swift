import FlyingFox
import Foundation
import Logging

/// A fake Cisco IoT Control Center serving `GET /rws/api/v1/devices/{iccid}/ctdUsages`
/// for a generated fleet, with faults on demand, a request log and a control API.
///
/// Answers follow Control Center's documentation: HTTP Basic auth (`10000001`/401),
/// only API version 1 (`10000024`/400), unknown ICCID (`20000001`/404); any other path
/// gets an HTML 404 page, as a wrong host would. Counters grow with time on `clock`.
/// The HTTP control API under `/_sim/` is described on `SimulatorControlAPI`.
public actor ControlCenterSimulator {
    public nonisolated let username: String
    private let apiKey: String
    private let clock: UsageClock
    private let logger: Logger
    /// Monotonic origin of the request log's `start_ms` / `end_ms`.
    nonisolated let epoch = ContinuousClock.now

    /// Devices as of `anchor` on `clock`; reads add the growth since then.
    private var devices: [String: (device: SimulatedDevice, anchor: Duration)] = [:]
    private var order: [String] = []
    private var faultRules: [FaultRule] = []
    private var log: [RequestRecord] = []
    private let requestLogLimit: Int
    private var inFlight = 0
    /// The most requests that were in flight at the same time since the last `resetLog()`.
    public private(set) var inFlightPeak = 0
    private var server: RunningHTTPServer?
    private var boundHost = "127.0.0.1"
    var churn: ChurnSettings?
    var churnRandom: SplitMix64
    private var churnTask: Task<Void, Never>?

    /// A simulator with `deviceCount` generated devices (see `DeviceGenerator`).
    /// - Parameters:
    ///   - clock: drives usage growth; inject `.manual(ManualClock())` in tests.
    ///   - churn: random status/overage changes for demos, applied by `tick()` or on a timer.
    ///   - requestLogLimit: oldest records are dropped beyond this many, so long runs stay bounded.
    public init(
        deviceCount: Int, username: String = "simwatch", apiKey: String = "simwatch-demo-key",
        seed: UInt64 = 1, clock: UsageClock = .continuous(), churn: ChurnSettings? = nil,
        requestLogLimit: Int = 200_000, logger: Logger = Logger(label: "simwatch.simulator")
    ) {
        self.username = username
        self.apiKey = apiKey
        self.clock = clock
        self.logger = logger
        self.churn = churn
        self.churnRandom = SplitMix64(seed: churn?.seed ?? seed)
        self.requestLogLimit = max(1, requestLogLimit)
        let now = clock.elapsed
        for index in 0..<max(0, deviceCount) {
            let device = DeviceGenerator.device(index: index + 1, seed: seed)
            devices[device.iccid] = (device, now)
            order.append(device.iccid)
        }
    }

    // MARK: Server

    /// Starts serving and returns the bound port (`port: 0` picks a free one).
    @discardableResult
    public func start(host: String = "127.0.0.1", port: UInt16 = 0) async throws -> UInt16 {
        if let server { return server.port }
        let running = try await RunningHTTPServer.start(
            host: host, port: port, logger: logger, handler: SimulatorHTTPHandler(simulator: self)
        )
        server = running
        boundHost = host
        if let interval = churn?.interval {
            churnTask = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard let self, !Task.isCancelled else { return }
                    await self.tick()
                }
            }
        }
        logger.debug("control center simulator listening", metadata: ["url": "\(baseURL)"])
        return running.port
    }

    /// Stops serving; the devices, faults and log stay as they are.
    public func stop() async {
        churnTask?.cancel()
        churnTask = nil
        guard let running = server else { return }
        server = nil
        await running.stop()
    }

    /// The bound port, `nil` before `start`.
    public var port: UInt16? { server?.port }

    /// `http://HOST:PORT`, what a client configures as `base_url` (valid after `start`).
    public var baseURL: String {
        let host = switch boundHost {
        case "0.0.0.0": "127.0.0.1"
        case "::", "[::]": "[::1]"
        case let other where other.contains(":") && !other.hasPrefix("["): "[\(other)]"
        default: boundHost
        }
        return "http://\(host):\(server?.port ?? 0)"
    }

    // MARK: Devices

    /// All ICCIDs, in creation order.
    public var iccids: [String] { order }

    /// The device as it would be served now.
    public func device(_ iccid: String) -> SimulatedDevice? {
        guard let stored = devices[iccid] else { return nil }
        return stored.device.advanced(by: clock.elapsed - stored.anchor)
    }

    /// All devices as they would be served now, in creation order.
    public func allDevices() -> [SimulatedDevice] {
        order.compactMap { device($0) }
    }

    /// Changes a device (status, plans, counters, `resetCycle()`, ...); growth continues from the new values.
    /// - Returns: `false` when there is no such device.
    @discardableResult
    public func update(_ iccid: String, _ change: (inout SimulatedDevice) -> Void) -> Bool {
        guard var current = device(iccid) else { return false }
        change(&current)
        current.iccid = iccid
        devices[iccid] = (current, clock.elapsed)
        return true
    }

    /// Starts a new billing cycle for one device.
    @discardableResult
    public func resetCycle(_ iccid: String) -> Bool {
        update(iccid) { $0.resetCycle() }
    }

    /// Adds (or replaces) a device.
    public func addDevice(_ device: SimulatedDevice) {
        if devices[device.iccid] == nil { order.append(device.iccid) }
        devices[device.iccid] = (device, clock.elapsed)
    }

    /// Removes a device: from now on its ICCID answers `20000001`/404.
    @discardableResult
    public func removeDevice(_ iccid: String) -> Bool {
        guard devices.removeValue(forKey: iccid) != nil else { return false }
        order.removeAll { $0 == iccid }
        return true
    }

    // MARK: Faults

    /// Makes requests for `iccid` (every device when `nil`) misbehave, for the next `count` requests or until cleared.
    ///
    /// A request gets at most one `delay` and one other fault; the newest matching rule wins.
    public func injectFault(iccid: String? = nil, fault: Fault, count: Int? = nil) {
        faultRules.append(FaultRule(iccid: iccid, fault: fault, remaining: count.map { max(0, $0) }))
    }

    /// Faults still in effect.
    public var faults: [FaultRule] { faultRules }

    /// Removes every injected fault.
    public func clearFaults() { faultRules.removeAll() }

    /// Takes the newest matching delay rule and the newest matching other rule, counting them down.
    private func takeFaults(for iccid: String?) -> (delay: Duration?, fault: Fault?) {
        var delay: Duration?
        var fault: Fault?
        for index in faultRules.indices.reversed() where faultRules[index].matches(iccid) {
            let rule = faultRules[index]
            if case let .delay(duration) = rule.fault {
                guard delay == nil else { continue }
                delay = duration
            } else {
                guard fault == nil else { continue }
                fault = rule.fault
            }
            if let remaining = rule.remaining { faultRules[index].remaining = remaining - 1 }
        }
        faultRules.removeAll { ($0.remaining ?? 1) <= 0 }
        return (delay, fault)
    }

    // MARK: Request log

    /// Requests answered on API paths, oldest first.
    public func requests() -> [RequestRecord] { log }

    /// Forgets recorded requests and the in-flight peak.
    public func resetLog() {
        log.removeAll()
        inFlightPeak = inFlight
    }

    private func record(_ entry: RequestRecord) {
        if log.count >= requestLogLimit { log.removeFirst(max(1, requestLogLimit / 2)) }
        log.append(entry)
    }

    // MARK: Serving

    /// Answers one request outside `/_sim/`: faults, then auth, version and ICCID checks.
    func serveAPI(method: String, path: String, authorization: String?) async -> HTTPResponse {
        let startedAt = Date()
        let start = ContinuousClock.now
        inFlight += 1
        inFlightPeak = max(inFlightPeak, inFlight)
        let route = APIRoute(path: path)
        var applied: [String] = []
        var response: HTTPResponse
        if let route {
            let (delay, fault) = takeFaults(for: route.iccid)
            if let delay {
                applied.append("delay")
                try? await Task.sleep(for: delay)
            }
            let recordText = device(route.iccid)?.jsonRecord ?? SimulatedDevice(iccid: route.iccid).jsonRecord
            if let fault, let faulty = fault.response(deviceRecord: recordText) {
                applied.append(fault.kind)
                response = faulty
            } else {
                response = answer(route: route, method: method, authorization: authorization)
            }
        } else {
            response = ControlCenterErrors.htmlPage(status: 404)
        }
        inFlight -= 1
        logger.debug("simulated request", metadata: [
            "method": "\(method)", "path": "\(path)", "status": "\(response.statusCode.code)",
            "faults": "\(applied.joined(separator: ","))",
        ])
        record(RequestRecord(
            method: method, path: path, iccid: route?.iccid, status: response.statusCode.code, faults: applied,
            startedAt: startedAt, endedAt: Date(), start: start, end: .now
        ))
        return response
    }

    private func answer(route: APIRoute, method: String, authorization: String?) -> HTTPResponse {
        guard isAuthorized(authorization) else { return ControlCenterErrors.invalidCredentials }
        guard route.version == "v1" else { return ControlCenterErrors.invalidAPIVersion }
        guard method == "GET" || method == "HEAD" else {
            return .make(status: 405, contentType: "text/plain", body: Data("Method Not Allowed\n".utf8),
                         extraHeaders: [("Allow", "GET")])
        }
        guard let device = device(route.iccid) else { return ControlCenterErrors.invalidICCID }
        return .json(status: 200, device.jsonRecord)
    }

    private func isAuthorized(_ header: String?) -> Bool {
        guard let header else { return false }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
              let credentials = String(data: decoded, encoding: .utf8) else { return false }
        return credentials == "\(username):\(apiKey)"
    }
}

/// `/rws/api/{version}/devices/{iccid}/ctdUsages`, split into its variable parts.
struct APIRoute {
    var version: String
    var iccid: String

    init?(path: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count == 6, parts[0] == "rws", parts[1] == "api", parts[2].hasPrefix("v"),
              parts[3] == "devices", parts[5] == "ctdUsages" else { return nil }
        version = String(parts[2])
        iccid = String(parts[4]).removingPercentEncoding ?? String(parts[4])
    }
}

/// Sends `/_sim/` to the control API and everything else to the fake Control Center.
struct SimulatorHTTPHandler: HTTPHandler {
    let simulator: ControlCenterSimulator

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        if request.path == "/_sim" || request.path.hasPrefix("/_sim/") {
            let body = try await request.bodyData
            return await simulator.handleControl(method: request.method.rawValue, path: request.path, body: body)
        }
        return await simulator.serveAPI(
            method: request.method.rawValue, path: request.path, authorization: request.headers[.authorization]
        )
    }
}
