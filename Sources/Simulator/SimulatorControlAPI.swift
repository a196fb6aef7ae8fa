import FlyingFox
import Foundation

/// The simulator's HTTP control API, for scripts and for `simwatch simulate`: JSON in and
/// out, no authentication, under `/_sim/` on the same port as the fake API.
///
/// ```
/// GET    /_sim/devices                       all devices as served now (ctdUsages records)
/// POST   /_sim/devices                       add a device: {"iccid": "...", <fields as for PATCH>};
///                                            modified now, so Search Devices lists it (last)
/// POST   /_sim/generate                      add generated devices: {"count": 20} (1-100000), same seed and
///                                            usage mix as the fleet, modified now; answers {"added": [iccids]}
/// GET    /_sim/devices/{iccid}               one device
/// PATCH  /_sim/devices/{iccid}               merge fields: imsi, msisdn, imei, status, ratePlan,
///                                            communicationPlan, ctdDataUsage, ctdSMSUsage, ctdVoiceUsage,
///                                            ctdSessionCount (null allowed), overageLimitReached,
///                                            overageLimitOverride. A changed status, ratePlan,
///                                            communicationPlan or overageLimitOverride is a modification
///                                            (Search Devices lists the device again, last); counters are not
/// DELETE /_sim/devices/{iccid}               remove: the ICCID answers 20000001/404 from then on
/// POST   /_sim/devices/{iccid}/reset-cycle   counters to zero: a new billing cycle
/// GET    /_sim/faults                        faults in effect
/// POST   /_sim/faults                        {"iccid": "..." (omit: all devices; with an ICCID only its
///                                            ctdUsages), "endpoint": "ctd_usages|search_devices" (omit: both),
///                                            "kind": "status|html|truncated|delay|rate_limited|server_error|
///                                            invalid_credentials|latin1|role_not_allowed|forbidden",
///                                            "status": 503, "body": "...", "retry_after": 3, "delay_ms": 2000,
///                                            "count": 1 (omit: until cleared)}. role_not_allowed is
///                                            400/10000030, forbidden a JSON 403: with "endpoint":
///                                            "search_devices" they make only Search Devices refuse the user
/// DELETE /_sim/faults                        clear all faults
/// GET    /_sim/requests[?endpoint=E]         {"in_flight_peak": n, "counts": {"ctd_usages": n,
///                                            "search_devices": n, "other": n}, "requests": [{method, path,
///                                            query, endpoint, iccid, status, faults, started_at, ended_at,
///                                            start_ms, end_ms}]}; E = ctd_usages or search_devices filters
///                                            the list. Counts are since the last DELETE, never truncated
/// GET    /_sim/requests/counts               {"in_flight_peak": n, "counts": {...}}: cheap, for rate checks
/// DELETE /_sim/requests                      clear the request log, the counts and the in-flight peak
/// POST   /_sim/tick                          apply one round of churn; answers the changes made
/// ```
/// Mistakes answer 400/404/405 with `{"error": "..."}` saying what was expected.
public enum SimulatorControlAPI {
    /// The paths, for start-up messages.
    public static let summary =
        "/_sim/devices[/{iccid}[/reset-cycle]], /_sim/generate, /_sim/faults, /_sim/requests[/counts], /_sim/tick"

    /// The most devices one `/_sim/generate` call adds.
    static let maximumGenerated = 100_000
}

extension ControlCenterSimulator {
    func handleControl(method: String, path: String, query: String = "", body: Data) -> HTTPResponse {
        do {
            return try routeControl(
                method: method, parts: path.split(separator: "/").map(String.init).dropFirst(), query: query, body: body
            )
        } catch {
            return error.response
        }
    }

    private func routeControl(
        method: String, parts: ArraySlice<String>, query: String, body: Data
    ) throws(ControlAPIError) -> HTTPResponse {
        let parts = Array(parts)
        // The ICCID is the only variable segment; matching on a template keeps the table readable.
        let iccid = parts.count >= 2 && parts[0] == "devices" ? parts[1] : ""
        var template = parts
        if !iccid.isEmpty { template[1] = "{iccid}" }
        switch (method, template.joined(separator: "/")) {
        case ("GET", "devices"):
            return .json(status: 200, JSONText.array(allDevices().map(\.jsonRecord)))
        case ("POST", "devices"):
            let fields = JSONFields(fields: try JSONValue.object(from: body))
            guard let iccid = try fields.string("iccid"), !iccid.isEmpty else {
                throw ControlAPIError(status: 400, message: "field iccid (a string of digits) is required")
            }
            var device = SimulatedDevice(iccid: iccid)
            try Self.merge(fields, into: &device, allowing: ["iccid"])
            addDevice(device)
            return .json(status: 201, device.jsonRecord)
        case ("POST", "generate"):
            let fields = JSONFields(fields: try JSONValue.object(from: body))
            try fields.rejectUnknown(allowed: ["count"])
            let limit = SimulatorControlAPI.maximumGenerated
            guard let count = try fields.int("count"), (1...Int64(limit)).contains(count) else {
                throw ControlAPIError(status: 400, message: "field count (1 to \(limit)) is required")
            }
            let added = addGeneratedDevices(Int(count))
            return .json(status: 201, JSONText.object([("added", JSONText.array(added.map(JSONText.string)))]))
        case ("GET", "devices/{iccid}"):
            return .json(status: 200, try existing(iccid).jsonRecord)
        case ("PATCH", "devices/{iccid}"):
            var device = try existing(iccid)
            try Self.merge(JSONFields(fields: try JSONValue.object(from: body)), into: &device, allowing: [])
            update(iccid) { $0 = device }
            return .json(status: 200, try existing(iccid).jsonRecord)
        case ("DELETE", "devices/{iccid}"):
            _ = try existing(iccid)
            removeDevice(iccid)
            return .json(status: 200, JSONText.object([("removed", JSONText.string(iccid))]))
        case ("POST", "devices/{iccid}/reset-cycle"):
            _ = try existing(iccid)
            resetCycle(iccid)
            return .json(status: 200, try existing(iccid).jsonRecord)
        case ("GET", "faults"):
            return .json(status: 200, JSONText.array(faults.map(\.json)))
        case ("POST", "faults"):
            let fields = JSONFields(fields: try JSONValue.object(from: body))
            let rule = try Self.faultRule(from: fields)
            injectFault(iccid: rule.iccid, endpoint: rule.endpoint, fault: rule.fault, count: rule.remaining)
            return .json(status: 201, rule.json)
        case ("DELETE", "faults"):
            clearFaults()
            return .json(status: 200, "[]")
        case ("GET", "requests"):
            let selected = try Self.endpointFilter(query).map { requests(endpoint: $0) } ?? requests()
            return .json(status: 200, JSONText.object([
                ("in_flight_peak", String(inFlightPeak)), ("counts", countsJSON),
                ("requests", JSONText.array(selected.map { $0.json(epoch: epoch) })),
            ]))
        case ("GET", "requests/counts"):
            return .json(status: 200, JSONText.object([("in_flight_peak", String(inFlightPeak)), ("counts", countsJSON)]))
        case ("DELETE", "requests"):
            resetLog()
            return .json(status: 200, JSONText.object([("in_flight_peak", "0"), ("counts", countsJSON), ("requests", "[]")]))
        case ("POST", "tick"):
            return .json(status: 200, JSONText.array(tick().map(\.json)))
        case (_, "devices"), (_, "devices/{iccid}"), (_, "devices/{iccid}/reset-cycle"), (_, "generate"),
             (_, "faults"), (_, "requests"), (_, "requests/counts"), (_, "tick"):
            throw ControlAPIError(status: 405, message: "method \(method) is not allowed here; see the simulator's control API")
        default:
            throw ControlAPIError(status: 404, message: "no such control path; try \(SimulatorControlAPI.summary)")
        }
    }

    private var countsJSON: String {
        JSONText.object(
            SimulatedEndpoint.allCases.map { ($0.rawValue, String(requestCount($0))) } + [("other", String(requestCount(nil)))]
        )
    }

    /// `endpoint=ctd_usages` or `endpoint=search_devices` from a control query; `nil` when absent.
    private static func endpointFilter(_ query: String) throws(ControlAPIError) -> SimulatedEndpoint? {
        for part in query.split(separator: "&") {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair[0] == "endpoint" else {
                throw ControlAPIError(status: 400, message: "unknown query parameter; only endpoint=ctd_usages|search_devices")
            }
            guard pair.count == 2, let endpoint = SimulatedEndpoint(rawValue: String(pair[1])) else {
                throw ControlAPIError(status: 400, message: "endpoint must be ctd_usages or search_devices")
            }
            return endpoint
        }
        return nil
    }

    private func existing(_ iccid: String) throws(ControlAPIError) -> SimulatedDevice {
        guard let device = device(iccid) else {
            throw ControlAPIError(status: 404, message: "no device with ICCID \(iccid)")
        }
        return device
    }

    static let patchableFields: Set<String> = [
        "imsi", "msisdn", "imei", "status", "ratePlan", "communicationPlan", "ctdDataUsage", "ctdSMSUsage",
        "ctdVoiceUsage", "ctdSessionCount", "overageLimitReached", "overageLimitOverride",
    ]

    private static func merge(_ fields: JSONFields, into device: inout SimulatedDevice, allowing extra: Set<String>) throws(ControlAPIError) {
        try fields.rejectUnknown(allowed: patchableFields.union(extra))
        if let value = try fields.string("imsi") { device.imsi = value }
        if let value = try fields.string("msisdn") { device.msisdn = value }
        if let value = try fields.string("imei") { device.imei = value }
        if let value = try fields.string("status") { device.status = value }
        if let value = try fields.string("ratePlan") { device.ratePlan = value }
        if let value = try fields.string("communicationPlan") { device.communicationPlan = value }
        if let value = try fields.string("overageLimitOverride") { device.overageLimitOverride = value }
        if let value = try fields.bool("overageLimitReached") { device.overageLimitReached = value }
        if let value = try fields.int("ctdDataUsage") { device.ctdDataUsage = value }
        if let value = try fields.int("ctdSMSUsage") { device.ctdSMSUsage = value }
        if let value = try fields.int("ctdVoiceUsage") { device.ctdVoiceUsage = value }
        if fields.fields.keys.contains("ctdSessionCount") { device.ctdSessionCount = try fields.int("ctdSessionCount") }
    }

    private static func faultRule(from fields: JSONFields) throws(ControlAPIError) -> FaultRule {
        try fields.rejectUnknown(allowed: ["iccid", "endpoint", "kind", "status", "body", "retry_after", "delay_ms", "count"])
        let kinds = "status, html, truncated, delay, rate_limited, server_error, invalid_credentials, latin1, "
            + "role_not_allowed, forbidden"
        guard let kind = try fields.string("kind") else {
            throw ControlAPIError(status: 400, message: "field kind is required: one of \(kinds)")
        }
        let status = try fields.int("status").map(Int.init)
        if let status, !(100...599).contains(status) {
            throw ControlAPIError(status: 400, message: "field status must be an HTTP status code (100-599)")
        }
        let fault: Fault
        switch kind {
        case "status":
            guard let status else { throw ControlAPIError(status: 400, message: "kind status needs field status") }
            fault = .status(status, body: try fields.string("body") ?? "")
        case "html": fault = .html(status: status ?? 404)
        case "truncated": fault = .truncatedJSON
        case "delay":
            guard let milliseconds = try fields.int("delay_ms"), milliseconds >= 0 else {
                throw ControlAPIError(status: 400, message: "kind delay needs field delay_ms (milliseconds, 0 or more)")
            }
            fault = .delay(.milliseconds(milliseconds))
        case "rate_limited": fault = .rateLimited(retryAfterSeconds: try fields.int("retry_after").map(Int.init))
        case "server_error": fault = .serverError
        case "invalid_credentials": fault = .invalidCredentials
        case "latin1": fault = .latin1Error
        case "role_not_allowed": fault = .roleNotAllowed
        case "forbidden": fault = .forbidden
        default: throw ControlAPIError(status: 400, message: "unknown fault kind \(kind); use one of \(kinds)")
        }
        let count = try fields.int("count")
        if let count, count < 1 { throw ControlAPIError(status: 400, message: "field count must be 1 or more") }
        return try faultRule(
            fault, iccid: try fields.string("iccid"), endpointName: try fields.string("endpoint"),
            count: count.map { Int(clamping: $0) }
        )
    }

    private static func faultRule(
        _ fault: Fault, iccid: String?, endpointName: String?, count: Int?
    ) throws(ControlAPIError) -> FaultRule {
        var endpoint: SimulatedEndpoint?
        if let endpointName {
            guard let named = SimulatedEndpoint(rawValue: endpointName) else {
                throw ControlAPIError(status: 400, message: "field endpoint must be ctd_usages or search_devices")
            }
            endpoint = named
        }
        if iccid != nil, endpoint == .searchDevices {
            throw ControlAPIError(
                status: 400, message: "a fault for one iccid applies to ctdUsages only; omit iccid for search_devices"
            )
        }
        return FaultRule(iccid: iccid, fault: fault, remaining: count, endpoint: endpoint)
    }
}
