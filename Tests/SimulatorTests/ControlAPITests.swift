import Foundation
@testable import Simulator
import Testing

@Suite("Simulator control API over HTTP")
struct ControlAPITests {
    @Test func patchChangesTheNextAnswer() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            let patched = try await TestHTTP.json("PATCH", "\(base)/_sim/devices/\(iccid)", [
                "status": "DEACTIVATED", "overageLimitReached": true, "ctdSessionCount": NSNull(),
                "ctdDataUsage": 123_456_789, "imei": "356938035643809", "ratePlan": "iot-10GB",
            ])
            #expect(patched.status == 200)
            let answer = try await TestHTTP.send(
                ControlCenterAPITests.usageURL(base, iccid), authorization: TestHTTP.demoAuth
            ).json()
            #expect(answer["status"] as? String == "DEACTIVATED")
            #expect(answer["overageLimitReached"] as? Bool == true)
            #expect(answer["ctdSessionCount"] is NSNull)
            #expect((answer["ctdDataUsage"] as? NSNumber)?.int64Value == 123_456_789)
            #expect(answer["imei"] as? String == "356938035643809")
            #expect(answer["ratePlan"] as? String == "iot-10GB")
            #expect(await simulator.device(iccid)?.status == "DEACTIVATED")
        }
    }

    @Test(arguments: [
        (#"{"colour": "red"}"#, "unknown field(s) colour"),
        (#"{"ctdDataUsage": "many"}"#, "ctdDataUsage must be an integer"),
        (#"{"overageLimitReached": 1}"#, "overageLimitReached must be true or false"),
        (#"["status"]"#, "must be a JSON object"),
        (#"{"status": "#, "must be a JSON object"),
    ])
    func patchRejectsBadFieldsWithAMessage(_ body: String, message: String) async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            let before = await simulator.device(iccid)
            let response = try await TestHTTP.send(
                "\(base)/_sim/devices/\(iccid)", method: "PATCH", body: Data(body.utf8)
            )
            #expect(response.status == 400)
            let error = try #require(try response.json()["error"] as? String)
            #expect(error.contains(message))
            #expect(await simulator.device(iccid) == before)
        }
    }

    @Test func listsGetsRemovesAndAddsDevices() async throws {
        try await withSimulator(deviceCount: 3) { simulator, base in
            let iccids = await simulator.iccids
            let list = try await TestHTTP.send("\(base)/_sim/devices")
            let records = try #require(try JSONSerialization.jsonObject(with: list.body) as? [[String: Any]])
            #expect(records.compactMap { $0["iccid"] as? String } == iccids)

            let one = try await TestHTTP.send("\(base)/_sim/devices/\(iccids[1])")
            #expect(try one.json()["iccid"] as? String == iccids[1])

            let removed = try await TestHTTP.send("\(base)/_sim/devices/\(iccids[1])", method: "DELETE")
            #expect(removed.status == 200)
            let gone = try await TestHTTP.send(
                ControlCenterAPITests.usageURL(base, iccids[1]), authorization: TestHTTP.demoAuth
            )
            #expect(gone.status == 404)
            #expect(try gone.json()["errorCode"] as? String == "20000001")
            let missing = try await TestHTTP.send("\(base)/_sim/devices/\(iccids[1])")
            #expect(missing.status == 404)

            let added = try await TestHTTP.json("POST", "\(base)/_sim/devices", [
                "iccid": "89011704252318147060", "status": "TEST_READY",
            ])
            #expect(added.status == 201)
            let served = try await TestHTTP.send(
                ControlCenterAPITests.usageURL(base, "89011704252318147060"), authorization: TestHTTP.demoAuth
            ).json()
            #expect(served["status"] as? String == "TEST_READY")
        }
    }

    @Test func resetCycleZeroesTheCounters() async throws {
        try await withSimulator(deviceCount: 10) { simulator, base in
            let device = try #require(await simulator.allDevices().first { $0.ctdDataUsage > 0 })
            let response = try await TestHTTP.send("\(base)/_sim/devices/\(device.iccid)/reset-cycle", method: "POST")
            #expect(response.status == 200)
            let after = try #require(await simulator.device(device.iccid))
            #expect(after.ctdDataUsage == 0 && after.ctdSMSUsage == 0 && after.ctdVoiceUsage == 0)
            #expect(after.ctdSessionCount == (device.ctdSessionCount == nil ? nil : 0))
        }
    }

    @Test func faultsAreInjectedListedAndClearedOverHTTP() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            let url = ControlCenterAPITests.usageURL(base, iccid)
            let created = try await TestHTTP.json("POST", "\(base)/_sim/faults", [
                "iccid": iccid, "kind": "rate_limited", "retry_after": 3, "count": 1,
            ])
            #expect(created.status == 201)
            _ = try await TestHTTP.json("POST", "\(base)/_sim/faults", ["kind": "delay", "delay_ms": 50])
            let listed = try await TestHTTP.send("\(base)/_sim/faults")
            #expect((try JSONSerialization.jsonObject(with: listed.body) as? [Any])?.count == 2)

            let limited = try await TestHTTP.send(url, authorization: TestHTTP.demoAuth)
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == "3")
            #expect(await simulator.faults.map(\.fault) == [.delay(.milliseconds(50))])

            let cleared = try await TestHTTP.send("\(base)/_sim/faults", method: "DELETE")
            #expect(cleared.status == 200)
            #expect(await simulator.faults.isEmpty)
        }
    }

    @Test(arguments: [
        #"{"kind": "teapot"}"#,
        #"{"kind": "status"}"#,
        #"{"kind": "delay"}"#,
        #"{"kind": "server_error", "count": 0}"#,
        #"{"kind": "html", "status": 999}"#,
        #"{"kind": "server_error", "iccid": 12}"#,
    ])
    func badFaultRequestsAreRejected(_ body: String) async throws {
        try await withSimulator { simulator, base in
            let response = try await TestHTTP.send("\(base)/_sim/faults", method: "POST", body: Data(body.utf8))
            #expect(response.status == 400)
            #expect(try response.json()["error"] is String)
            #expect(await simulator.faults.isEmpty)
        }
    }

    @Test func everyFaultKindCanBeInjectedOverHTTP() async throws {
        let kinds: [([String: Any], Fault)] = [
            (["kind": "status", "status": 503, "body": "{}"], .status(503, body: "{}")),
            (["kind": "html", "status": 502], .html(status: 502)),
            (["kind": "truncated"], .truncatedJSON),
            (["kind": "delay", "delay_ms": 2000], .delay(.seconds(2))),
            (["kind": "rate_limited", "retry_after": 3], .rateLimited(retryAfterSeconds: 3)),
            (["kind": "server_error"], .serverError),
            (["kind": "invalid_credentials"], .invalidCredentials),
            (["kind": "latin1"], .latin1Error),
        ]
        try await withSimulator { simulator, base in
            for (body, _) in kinds {
                let response = try await TestHTTP.json("POST", "\(base)/_sim/faults", body)
                #expect(response.status == 201, "\(body)")
            }
            #expect(await simulator.faults.map(\.fault) == kinds.map(\.1))
        }
    }

    @Test func requestLogIsReadableAndClearableOverHTTP() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            _ = try await TestHTTP.send(ControlCenterAPITests.usageURL(base, iccid), authorization: TestHTTP.demoAuth)
            let log = try await TestHTTP.send("\(base)/_sim/requests").json()
            #expect(log["in_flight_peak"] as? Int == 1)
            let entries = try #require(log["requests"] as? [[String: Any]])
            #expect(entries.count == 1)
            #expect(entries.first?["iccid"] as? String == iccid)
            #expect(entries.first?["status"] as? Int == 200)
            #expect(entries.first?["started_at"] is String)
            #expect(entries.first?["end_ms"] is NSNumber)

            _ = try await TestHTTP.send("\(base)/_sim/requests", method: "DELETE")
            #expect(await simulator.requests().isEmpty)
        }
    }

    @Test func unknownControlPathsAndMethodsSayWhatExists() async throws {
        try await withSimulator { _, base in
            let unknown = try await TestHTTP.send("\(base)/_sim/nothing")
            #expect(unknown.status == 404)
            #expect(try unknown.json()["error"] as? String ?? "" == "no such control path; try \(SimulatorControlAPI.summary)")
            let wrongMethod = try await TestHTTP.send("\(base)/_sim/faults", method: "PUT")
            #expect(wrongMethod.status == 405)
        }
    }
}
