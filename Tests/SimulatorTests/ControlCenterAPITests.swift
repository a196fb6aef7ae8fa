import Foundation
@testable import Simulator
import Testing

@Suite("Fake Control Center API")
struct ControlCenterAPITests {
    static let referenceFields = [
        "iccid", "imsi", "msisdn", "imei", "status", "ratePlan", "communicationPlan", "ctdDataUsage",
        "ctdSMSUsage", "ctdVoiceUsage", "ctdSessionCount", "overageLimitReached", "overageLimitOverride",
    ]

    static func usageURL(_ base: String, _ iccid: String, version: String = "v1") -> String {
        "\(base)/rws/api/\(version)/devices/\(iccid)/ctdUsages"
    }

    @Test func servesTheFullRecordInReferenceOrder() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            let response = try await TestHTTP.send(Self.usageURL(base, iccid), authorization: TestHTTP.demoAuth)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            let json = try response.json()
            #expect(Set(json.keys) == Set(Self.referenceFields))
            let positions = Self.referenceFields.compactMap { response.text.range(of: "\"\($0)\":")?.lowerBound }
            #expect(positions == positions.sorted() && positions.count == 13)
            let device = try #require(await simulator.device(iccid))
            #expect(json["iccid"] as? String == iccid)
            #expect(json["imsi"] as? String == device.imsi)
            #expect(json["status"] as? String == device.status)
            #expect(json["ratePlan"] as? String == device.ratePlan)
            #expect(json["communicationPlan"] as? String == "CP_Basic_ON")
            #expect((json["ctdDataUsage"] as? NSNumber)?.int64Value == device.ctdDataUsage)
            #expect((json["ctdVoiceUsage"] as? NSNumber)?.int64Value == device.ctdVoiceUsage)
            #expect(json["overageLimitOverride"] as? String == device.overageLimitOverride)
        }
    }

    @Test func unknownSessionCountIsServedAsNull() async throws {
        try await withSimulator(deviceCount: 40) { simulator, base in
            let devices = await simulator.allDevices()
            let withoutSessions = try #require(devices.first { $0.ctdSessionCount == nil })
            let response = try await TestHTTP.send(
                Self.usageURL(base, withoutSessions.iccid), authorization: TestHTTP.demoAuth
            )
            #expect(response.text.contains("\"ctdSessionCount\":null"))
            #expect(try response.json()["ctdSessionCount"] is NSNull)
        }
    }

    @Test(arguments: [
        ("bad key", TestHTTP.basic("simwatch", "wrong")),
        ("bad user", TestHTTP.basic("someone", "simwatch-demo-key")),
        ("not basic", "Bearer simwatch-demo-key"),
        ("garbage", "Basic %%%"),
    ])
    func rejectsWrongCredentials(_ name: String, authorization: String) async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            let response = try await TestHTTP.send(Self.usageURL(base, iccid), authorization: authorization)
            #expect(response.status == 401, "\(name)")
            #expect(response.text == #"{"errorMessage":"Invalid credentials.","errorCode":"10000001"}"#)
        }
    }

    @Test func rejectsMissingCredentials() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            let response = try await TestHTTP.send(Self.usageURL(base, iccid))
            #expect(response.status == 401)
            #expect(try response.json()["errorCode"] as? String == "10000001")
        }
    }

    @Test func unknownICCIDIsAJSON404() async throws {
        try await withSimulator { _, base in
            let response = try await TestHTTP.send(
                Self.usageURL(base, "8988216716979999999"), authorization: TestHTTP.demoAuth
            )
            #expect(response.status == 404)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.text == #"{"errorMessage":"Resource not found - Invalid ICCID.","errorCode":"20000001"}"#)
        }
    }

    @Test func onlyVersionOneIsValid() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            let response = try await TestHTTP.send(
                Self.usageURL(base, iccid, version: "v2"), authorization: TestHTTP.demoAuth
            )
            #expect(response.status == 400)
            #expect(response.text == #"{"errorMessage":"Invalid apiVersion.","errorCode":"10000024"}"#)
        }
    }

    // `/rws/api/v1/devices` is Search Devices now (SearchDevicesTests); other functions stay unserved.
    @Test(arguments: [
        "/", "/rws/api/v1/devices/8988216716970000001/sessionInfo", "/rws/api/v1/devices/8988216716970000001",
        "/api/v1/devices/8988216716970000001/ctdUsages",
    ])
    func otherPathsGetAnHTML404(path: String) async throws {
        try await withSimulator { _, base in
            let response = try await TestHTTP.send(base + path, authorization: TestHTTP.demoAuth)
            #expect(response.status == 404)
            #expect(response.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(response.text.contains("<html>"))
            #expect((try? JSONSerialization.jsonObject(with: response.body)) == nil)
        }
    }

    @Test func usageGrowsWithTheInjectedClock() async throws {
        let clock = ManualClock()
        try await withSimulator(deviceCount: 20, clock: .manual(clock)) { simulator, base in
            let devices = await simulator.allDevices()
            let growing = try #require(devices.first { $0.growth.dataBytesPerHour > 0 && $0.ctdSessionCount != nil })
            let url = Self.usageURL(base, growing.iccid)
            let before = try await TestHTTP.send(url, authorization: TestHTTP.demoAuth).json()
            let again = try await TestHTTP.send(url, authorization: TestHTTP.demoAuth).json()
            #expect((before["ctdDataUsage"] as? NSNumber) == (again["ctdDataUsage"] as? NSNumber))

            clock.advance(by: .seconds(10 * 3600))
            let after = try await TestHTTP.send(url, authorization: TestHTTP.demoAuth).json()
            let grown = try #require((after["ctdDataUsage"] as? NSNumber)?.int64Value)
            #expect(grown == growing.ctdDataUsage + Int64(growing.growth.dataBytesPerHour * 10))
            let sms = try #require((after["ctdSMSUsage"] as? NSNumber)?.int64Value)
            #expect(sms == growing.ctdSMSUsage + Int64(growing.growth.smsPerHour * 10))
        }
    }
}
