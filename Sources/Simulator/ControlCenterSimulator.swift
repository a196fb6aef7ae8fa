import FlyingFox
import Foundation
import Logging

/// A fake Cisco IoT Control Center serving `GET /rws/api/v1/devices/{iccid}/ctdUsages` and
/// Search Devices (`GET /rws/api/v1/devices`) for a generated fleet, with faults on demand,
/// a request log and a control API.
///
/// Answers follow Control Center's documentation: HTTP Basic auth (`10000001`/401),
/// only API version 1 (`10000024`/400), unknown ICCID (`20000001`/404); any other path
/// gets an HTML 404 page, as a wrong host would. Counters grow with time on `clock`;
/// status and plan changes stamp a modification time on `dateClock`, usage never does.
/// The HTTP control API under `/_sim/` is described on `SimulatorControlAPI`.
public actor ControlCenterSimulator {
    public nonisolated let username: String
    /// The account whose devices Search Devices lists; another `accountId` is refused.
    public nonisolated let accountID: String
    private let apiKey: String
    private let clock: UsageClock
    let dateClock: SimulatorDateClock
    private let logger: Logger
    /// Monotonic origin of the request log's `start_ms` / `end_ms`.
    nonisolated let epoch = ContinuousClock.now
    /// The usage mix of generated devices; `nil`: every active device grows 1-20 MB an hour.
    public nonisolated let usageMix: SimulatedUsageMix?
    let seed: UInt64

    /// Devices as of `anchor` on `clock`; reads add the growth since then.
    private var devices: [String: (device: SimulatedDevice, anchor: Duration)] = [:]
    private var order: [String] = []
    /// Every device by modification time, and the same per status (Search Devices' `status` filter).
    var modifications = ModificationIndex()
    var modificationsByStatus: [String: ModificationIndex] = [:]
    /// The highest generator index in use, so generated additions get fresh ICCIDs.
    var generatedCount = 0
    private var faultRules: [FaultRule] = []
    private var log: [RequestRecord] = []
    private var counts: [SimulatedEndpoint?: Int] = [:]
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
    ///   - dateClock: stamps modifications; generated devices were last modified up to a year
    ///     before its time at creation. Inject `.manual(clock, origin:)` in tests.
    ///   - usageMix: idle, steady and hot shares of the generated devices (`nil`: the uniform demo fleet).
    ///   - churn: random status/overage changes for demos, applied by `tick()` or on a timer.
    ///   - requestLogLimit: oldest records are dropped beyond this many, so long runs stay bounded.
    public init(
        deviceCount: Int, username: String = "simwatch", apiKey: String = "simwatch-demo-key",
        seed: UInt64 = 1, clock: UsageClock = .continuous(), dateClock: SimulatorDateClock = .system,
        usageMix: SimulatedUsageMix? = nil, accountID: String = "100000", churn: ChurnSettings? = nil,
        requestLogLimit: Int = 200_000, logger: Logger = Logger(label: "simwatch.simulator")
    ) {
        self.username = username
        self.accountID = accountID
        self.apiKey = apiKey
        self.clock = clock
        self.dateClock = dateClock
        self.usageMix = usageMix
        self.seed = seed
        self.logger = logger
        self.churn = churn
        self.churnRandom = SplitMix64(seed: churn?.seed ?? seed)
        self.requestLogLimit = max(1, requestLogLimit)
        let now = clock.elapsed
        let created = dateClock.now.timeIntervalSinceReferenceDate
        let count = max(0, deviceCount)
        devices.reserveCapacity(count)
        order.reserveCapacity(count)
        var stamps: [(time: Double, iccid: String, status: String)] = []
        stamps.reserveCapacity(count)
        for index in stride(from: 1, through: count, by: 1) {
            let device = DeviceGenerator.device(index: index, seed: seed, mix: usageMix)
            devices[device.iccid] = (device, now)
            order.append(device.iccid)
            stamps.append((created - DeviceGenerator.modificationAge(index: index, seed: seed), device.iccid, device.status))
        }
        generatedCount = count
        // Sorted once, so the index is built by appending in modification order.
        stamps.sort { ($0.time, $0.iccid) < ($1.time, $1.iccid) }
        for stamp in stamps {
            modifications.record(stamp.iccid, at: stamp.time)
            modificationsByStatus[stamp.status, default: ModificationIndex()].record(stamp.iccid, at: stamp.time)
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
    ///
    /// A change of status, rate plan, communication plan or overage override is a modification
    /// (the device moves to the end of Search Devices' listing); counters and flags are not.
    /// - Returns: `false` when there is no such device.
    @discardableResult
    public func update(_ iccid: String, _ change: (inout SimulatedDevice) -> Void) -> Bool {
        guard var current = device(iccid) else { return false }
        let before = current
        change(&current)
        current.iccid = iccid
        devices[iccid] = (current, clock.elapsed)
        if !before.hasSameAttributes(as: current) {
            recordModification(iccid, status: current.status, previousStatus: before.status)
        }
        return true
    }

    /// Starts a new billing cycle for one device.
    @discardableResult
    public func resetCycle(_ iccid: String) -> Bool {
        update(iccid) { $0.resetCycle() }
    }

    /// Adds (or replaces) a device; either way it is modified now, so Search Devices lists it last.
    public func addDevice(_ device: SimulatedDevice) {
        let previous = devices[device.iccid]?.device
        if previous == nil { order.append(device.iccid) }
        devices[device.iccid] = (device, clock.elapsed)
        recordModification(device.iccid, status: device.status, previousStatus: previous?.status)
    }

    /// Adds `count` generated devices (same generator, seed and mix as the initial fleet),
    /// modified now, and returns their ICCIDs. ICCIDs already in use are skipped.
    @discardableResult
    public func addGeneratedDevices(_ count: Int) -> [String] {
        var added: [String] = []
        added.reserveCapacity(min(max(0, count), SimulatorControlAPI.maximumGenerated))
        while added.count < count, generatedCount < Int.max {
            generatedCount += 1
            let device = DeviceGenerator.device(index: generatedCount, seed: seed, mix: usageMix)
            guard devices[device.iccid] == nil else { continue }
            addDevice(device)
            added.append(device.iccid)
        }
        return added
    }

    /// Removes a device: from now on its ICCID answers `20000001`/404 and Search Devices omits it.
    @discardableResult
    public func removeDevice(_ iccid: String) -> Bool {
        guard let removed = devices.removeValue(forKey: iccid) else { return false }
        order.removeAll { $0 == iccid }
        modifications.remove(iccid)
        modificationsByStatus[removed.device.status]?.remove(iccid)
        if modificationsByStatus[removed.device.status]?.count == 0 {
            modificationsByStatus[removed.device.status] = nil
        }
        return true
    }

    /// When the device was last modified (status, plans, override, or added), as Search Devices compares it.
    public func modificationDate(of iccid: String) -> Date? {
        modifications.time(of: iccid).map(Date.init(timeIntervalSinceReferenceDate:))
    }

    /// Stamps a modification now (never earlier than the previous one) in both indexes.
    private func recordModification(_ iccid: String, status: String, previousStatus: String?) {
        let time = max(dateClock.now.timeIntervalSinceReferenceDate, modifications.latestTime)
        modifications.record(iccid, at: time)
        if let previousStatus, previousStatus != status {
            modificationsByStatus[previousStatus]?.retire(iccid, at: time)
            if modificationsByStatus[previousStatus]?.count == 0 { modificationsByStatus[previousStatus] = nil }
        }
        modificationsByStatus[status, default: ModificationIndex()].record(iccid, at: time)
    }

    // MARK: Faults

    /// Makes requests for `iccid` (every device when `nil`) misbehave, for the next `count` requests or until cleared.
    ///
    /// `endpoint` limits the rule to one function (`nil`: all); a rule for one ICCID applies to
    /// its ctdUsages requests only. A request gets at most one `delay` and one other fault; the
    /// newest matching rule wins.
    public func injectFault(
        iccid: String? = nil, endpoint: SimulatedEndpoint? = nil, fault: Fault, count: Int? = nil
    ) {
        faultRules.append(FaultRule(iccid: iccid, fault: fault, remaining: count.map { max(0, $0) }, endpoint: endpoint))
    }

    /// Faults still in effect.
    public var faults: [FaultRule] { faultRules }

    /// Removes every injected fault.
    public func clearFaults() { faultRules.removeAll() }

    /// Takes the newest matching delay rule and the newest matching other rule, counting them down.
    private func takeFaults(for iccid: String?, endpoint: SimulatedEndpoint) -> (delay: Duration?, fault: Fault?) {
        var delay: Duration?
        var fault: Fault?
        for index in faultRules.indices.reversed() where faultRules[index].matches(iccid, endpoint: endpoint) {
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

    /// Requests answered for one function, oldest first.
    public func requests(endpoint: SimulatedEndpoint) -> [RequestRecord] { log.filter { $0.endpoint == endpoint } }

    /// Requests answered for `endpoint` (`nil`: paths Control Center does not serve) since the
    /// last `resetLog()`; unlike `requests()`, never shortened by the log's limit.
    public func requestCount(_ endpoint: SimulatedEndpoint?) -> Int { counts[endpoint] ?? 0 }

    /// Forgets recorded requests, their counts and the in-flight peak.
    public func resetLog() {
        log.removeAll()
        counts.removeAll()
        inFlightPeak = inFlight
    }

    private func record(_ entry: RequestRecord) {
        if log.count >= requestLogLimit { log.removeFirst(max(1, requestLogLimit / 2)) }
        log.append(entry)
        counts[entry.endpoint, default: 0] += 1
    }

    // MARK: Serving

    /// Answers one request outside `/_sim/`: faults, then auth, version, method and the function's own checks.
    /// - Parameter query: the query as sent, still percent-encoded.
    func serveAPI(method: String, path: String, query: String = "", authorization: String?) async -> HTTPResponse {
        let startedAt = Date()
        let start = ContinuousClock.now
        inFlight += 1
        inFlightPeak = max(inFlightPeak, inFlight)
        let route = APIRoute(path: path)
        var applied: [String] = []
        var response: HTTPResponse
        if let route {
            let (delay, fault) = takeFaults(for: route.iccid, endpoint: route.endpoint)
            if let delay {
                applied.append("delay")
                try? await Task.sleep(for: delay)
            }
            // Answered after the delay, so a slow answer shows the fleet as it is when it is sent.
            let normal = answer(route: route, method: method, query: query, authorization: authorization)
            if let fault, let faulty = fault.response(normalBody: faultBody(route: route, query: query)) {
                applied.append(fault.kind)
                response = faulty
            } else {
                response = normal
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
            method: method, path: path, query: query, endpoint: route?.endpoint, iccid: route?.iccid,
            status: response.statusCode.code, faults: applied,
            startedAt: startedAt, endedAt: Date(), start: start, end: .now
        ))
        return response
    }

    /// The body a truncating fault cuts in half: the success answer even when the normal
    /// answer is an error, so that a truncated answer always looks like a cut-off success.
    private func faultBody(route: APIRoute, query: String) -> String {
        if let iccid = route.iccid { return (device(iccid) ?? SimulatedDevice(iccid: iccid)).jsonRecord }
        return (try? searchDevicesPage(rawQuery: query).get().json) ?? SimulatedSearchPage.empty.json
    }

    private func answer(route: APIRoute, method: String, query: String, authorization: String?) -> HTTPResponse {
        guard isAuthorized(authorization) else { return ControlCenterErrors.invalidCredentials }
        guard route.version == "v1" else { return ControlCenterErrors.invalidAPIVersion }
        guard method == "GET" || method == "HEAD" else {
            return .make(status: 405, contentType: "text/plain", body: Data("Method Not Allowed\n".utf8),
                         extraHeaders: [("Allow", "GET")])
        }
        guard let iccid = route.iccid else { return searchDevicesAnswer(rawQuery: query) }
        guard let device = device(iccid) else { return ControlCenterErrors.invalidICCID }
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

/// `/rws/api/{version}/devices/{iccid}/ctdUsages` or `/rws/api/{version}/devices`, split into its variable parts.
struct APIRoute {
    var version: String
    var endpoint: SimulatedEndpoint
    /// The ICCID of a ctdUsages path; `nil` for Search Devices.
    var iccid: String?

    init?(path: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 4, parts[0] == "rws", parts[1] == "api", parts[2].hasPrefix("v"),
              parts[3] == "devices" else { return nil }
        version = String(parts[2])
        switch parts.count {
        case 4:
            endpoint = .searchDevices
        case 6 where parts[5] == "ctdUsages":
            endpoint = .ctdUsages
            iccid = String(parts[4]).removingPercentEncoding ?? String(parts[4])
        default:
            return nil
        }
    }
}

/// Sends `/_sim/` to the control API and everything else to the fake Control Center.
struct SimulatorHTTPHandler: HTTPHandler {
    let simulator: ControlCenterSimulator

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let query = request.target.query(percentEncoded: true)
        if request.path == "/_sim" || request.path.hasPrefix("/_sim/") {
            let body = try await request.bodyData
            return await simulator.handleControl(
                method: request.method.rawValue, path: request.path, query: query, body: body
            )
        }
        return await simulator.serveAPI(
            method: request.method.rawValue, path: request.path, query: query,
            authorization: request.headers[.authorization]
        )
    }
}
