import FlyingFox
import Foundation

/// The simulator's HTTP control API, for scripts and for `simwatch simulate`: JSON in and
/// out, no authentication, under `/_sim/` on the same port as the fake API.
///
/// ```
/// GET    /_sim/devices                       all devices as served now (ctdUsages records)
/// POST   /_sim/devices                       add a device: {"iccid": "...", <fields as for PATCH>}
/// GET    /_sim/devices/{iccid}               one device
/// PATCH  /_sim/devices/{iccid}               merge fields: imsi, msisdn, imei, status, ratePlan,
///                                            communicationPlan, ctdDataUsage, ctdSMSUsage, ctdVoiceUsage,
///                                            ctdSessionCount (null allowed), overageLimitReached,
///                                            overageLimitOverride
/// DELETE /_sim/devices/{iccid}               remove: the ICCID answers 20000001/404 from then on
/// POST   /_sim/devices/{iccid}/reset-cycle   counters to zero: a new billing cycle
/// GET    /_sim/faults                        faults in effect
/// POST   /_sim/faults                        {"iccid": "..." (omit: all devices), "kind": "status|html|truncated|
///                                            delay|rate_limited|server_error|invalid_credentials|latin1",
///                                            "status": 503, "body": "...", "retry_after": 3, "delay_ms": 2000,
///                                            "count": 1 (omit: until cleared)}
/// DELETE /_sim/faults                        clear all faults
/// GET    /_sim/requests                      {"in_flight_peak": n, "requests": [{method, path, iccid, status,
///                                            faults, started_at, ended_at, start_ms, end_ms}]}
/// DELETE /_sim/requests                      clear the request log and the in-flight peak
/// POST   /_sim/tick                          apply one round of churn; answers the changes made
/// ```
/// Mistakes answer 400/404/405 with `{"error": "..."}` saying what was expected.
public enum SimulatorControlAPI {
    /// The paths, for start-up messages.
    public static let summary = "/_sim/devices[/{iccid}[/reset-cycle]], /_sim/faults, /_sim/requests, /_sim/tick"
}

extension ControlCenterSimulator {
    func handleControl(method: String, path: String, body: Data) -> HTTPResponse {
        do {
            return try routeControl(method: method, parts: path.split(separator: "/").map(String.init).dropFirst(), body: body)
        } catch {
            return error.response
        }
    }

    private func routeControl(method: String, parts: ArraySlice<String>, body: Data) throws(ControlAPIError) -> HTTPResponse {
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
            injectFault(iccid: rule.iccid, fault: rule.fault, count: rule.remaining)
            return .json(status: 201, rule.json)
        case ("DELETE", "faults"):
            clearFaults()
            return .json(status: 200, "[]")
        case ("GET", "requests"):
            let records = requests().map { $0.json(epoch: epoch) }
            return .json(status: 200, JSONText.object([
                ("in_flight_peak", String(inFlightPeak)), ("requests", JSONText.array(records)),
            ]))
        case ("DELETE", "requests"):
            resetLog()
            return .json(status: 200, JSONText.object([("in_flight_peak", "0"), ("requests", "[]")]))
        case ("POST", "tick"):
            return .json(status: 200, JSONText.array(tick().map(\.json)))
        case (_, "devices"), (_, "devices/{iccid}"), (_, "devices/{iccid}/reset-cycle"),
             (_, "faults"), (_, "requests"), (_, "tick"):
            throw ControlAPIError(status: 405, message: "method \(method) is not allowed here; see the simulator's control API")
        default:
            throw ControlAPIError(status: 404, message: "no such control path; try \(SimulatorControlAPI.summary)")
        }
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
        try fields.rejectUnknown(allowed: ["iccid", "kind", "status", "body", "retry_after", "delay_ms", "count"])
        let kinds = "status, html, truncated, delay, rate_limited, server_error, invalid_credentials, latin1"
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
        default: throw ControlAPIError(status: 400, message: "unknown fault kind \(kind); use one of \(kinds)")
        }
        let count = try fields.int("count").map(Int.init)
        if let count, count < 1 { throw ControlAPIError(status: 400, message: "field count must be 1 or more") }
        return FaultRule(iccid: try fields.string("iccid"), fault: fault, remaining: count)
    }
}
