import Foundation
@testable import Simulator
import Testing

@Suite("Search Devices faults and request log")
struct SearchDevicesFaultTests {
    @Test func faultsForEveryDeviceApplyToSearchDevicesToo() async throws {
        try await withFleet(deviceCount: 3) { fleet in
            let limited = #"{"errorMessage":"Rate limit exceeded","errorCode":"40000029"}"#
            await fleet.simulator.injectFault(fault: .status(200, body: limited), count: 1)
            await fleet.simulator.injectFault(fault: .rateLimited(retryAfterSeconds: 2), count: 1)
            let first = try await fleet.search(FleetFixture.wholeAccount)
            #expect(first.status == 429 && first.header("Retry-After") == "2")
            let second = try await fleet.search(FleetFixture.wholeAccount)
            #expect(second.status == 200 && second.text == limited)

            await fleet.simulator.injectFault(fault: .serverError, count: 1)
            let failed = try await fleet.search(FleetFixture.wholeAccount)
            #expect(failed.status == 500)
            #expect(try failed.json()["errorCode"] as? String == "30000001")

            await fleet.simulator.injectFault(fault: .truncatedJSON, count: 1)
            let cut = try await fleet.search(FleetFixture.wholeAccount)
            #expect(cut.status == 200 && cut.text.hasPrefix(#"{"pageNumber":1,"devices":[{"#))
            #expect((try? JSONSerialization.jsonObject(with: cut.body)) == nil)

            await fleet.simulator.injectFault(fault: .delay(.milliseconds(200)), count: 1)
            let start = ContinuousClock.now
            let slow = try await fleet.search(FleetFixture.wholeAccount)
            #expect(slow.status == 200 && ContinuousClock.now - start >= .milliseconds(200))
            #expect(await fleet.simulator.faults.isEmpty)
            let kinds = await fleet.simulator.requests(endpoint: .searchDevices).map(\.faults)
            #expect(kinds == [["rate_limited"], ["status"], ["server_error"], ["truncated"], ["delay"]])
        }
    }

    @Test(arguments: [
        (Fault.roleNotAllowed, 400, "10000030"), (Fault.forbidden, 403, nil), (Fault.invalidCredentials, 401, "10000001"),
    ] as [(Fault, Int, String?)])
    func searchDevicesAloneCanRefuseTheRole(_ fault: Fault, status: Int, code: String?) async throws {
        try await withFleet(deviceCount: 2) { fleet in
            await fleet.simulator.injectFault(endpoint: .searchDevices, fault: fault)
            for _ in 0..<2 {
                let refused = try await fleet.search(FleetFixture.wholeAccount)
                #expect(refused.status == status)
                #expect(try refused.json()["errorCode"] as? String == code)
            }
            let iccid = try #require(await fleet.simulator.iccids.first)
            let usage = try await TestHTTP.send(ControlCenterAPITests.usageURL(fleet.base, iccid), authorization: TestHTTP.demoAuth)
            #expect(usage.status == 200)
        }
    }

    @Test func faultsForOneICCIDOrForUsageLeaveSearchDevicesAlone() async throws {
        try await withFleet(deviceCount: 2) { fleet in
            let iccid = try #require(await fleet.simulator.iccids.first)
            await fleet.simulator.injectFault(iccid: iccid, fault: .serverError)
            await fleet.simulator.injectFault(endpoint: .ctdUsages, fault: .invalidCredentials)
            #expect(try await fleet.search(FleetFixture.wholeAccount).status == 200)
            let usage = try await TestHTTP.send(ControlCenterAPITests.usageURL(fleet.base, iccid), authorization: TestHTTP.demoAuth)
            // Both rules match ctdUsages; the newest wins there.
            #expect(usage.status == 401)
        }
    }

    @Test func faultsForSearchDevicesOverTheControlAPI() async throws {
        try await withFleet(deviceCount: 2) { fleet in
            let created = try await TestHTTP.json("POST", "\(fleet.base)/_sim/faults", [
                "endpoint": "search_devices", "kind": "role_not_allowed",
            ])
            #expect(created.status == 201)
            #expect(try created.json()["endpoint"] as? String == "search_devices")
            _ = try await TestHTTP.json("POST", "\(fleet.base)/_sim/faults", ["endpoint": "search_devices", "kind": "forbidden"])
            #expect(await fleet.simulator.faults.map(\.endpoint) == [.searchDevices, .searchDevices])
            #expect(try await fleet.search(FleetFixture.wholeAccount).status == 403)

            for body in [
                #"{"kind": "forbidden", "endpoint": "echo"}"#,
                #"{"kind": "forbidden", "endpoint": 1}"#,
                #"{"kind": "forbidden", "endpoint": "search_devices", "iccid": "8988216716970000001"}"#,
            ] {
                let response = try await TestHTTP.send("\(fleet.base)/_sim/faults", method: "POST", body: Data(body.utf8))
                #expect(response.status == 400, "\(body)")
                #expect(try response.json()["error"] is String)
            }
            #expect(await fleet.simulator.faults.count == 2)
        }
    }

    @Test func theRequestLogCountsCallsPerEndpoint() async throws {
        try await withFleet(deviceCount: 3) { fleet in
            let iccid = try #require(await fleet.simulator.iccids.first)
            for _ in 0..<3 { _ = try await fleet.search(FleetFixture.wholeAccount + "&pageSize=50") }
            _ = try await TestHTTP.send(ControlCenterAPITests.usageURL(fleet.base, iccid), authorization: TestHTTP.demoAuth)
            _ = try await TestHTTP.send("\(fleet.base)/rws/api/v1/echo/x", authorization: TestHTTP.demoAuth)
            #expect(await fleet.simulator.requestCount(.searchDevices) == 3)
            #expect(await fleet.simulator.requestCount(.ctdUsages) == 1)
            #expect(await fleet.simulator.requestCount(nil) == 1)
            let searches = await fleet.simulator.requests(endpoint: .searchDevices)
            #expect(searches.count == 3)
            #expect(searches.allSatisfy { $0.query == "modifiedSince=2000-01-01T00:00:00%2B00:00&pageSize=50" && $0.iccid == nil })

            let counts = try await TestHTTP.send("\(fleet.base)/_sim/requests/counts").json()
            #expect(counts["counts"] as? [String: Int] == ["search_devices": 3, "ctd_usages": 1, "other": 1])
            let filtered = try await TestHTTP.send("\(fleet.base)/_sim/requests?endpoint=search_devices").json()
            let entries = try #require(filtered["requests"] as? [[String: Any]])
            #expect(entries.count == 3)
            #expect(entries.allSatisfy { $0["endpoint"] as? String == "search_devices" })
            #expect(entries.first?["query"] as? String == "modifiedSince=2000-01-01T00:00:00%2B00:00&pageSize=50")
            let bad = try await TestHTTP.send("\(fleet.base)/_sim/requests?endpoint=soap")
            #expect(bad.status == 400)

            _ = try await TestHTTP.send("\(fleet.base)/_sim/requests", method: "DELETE")
            #expect(await fleet.simulator.requestCount(.searchDevices) == 0)
        }
    }

    @Test func countsOutliveTheLogLimit() async throws {
        let simulator = ControlCenterSimulator(deviceCount: 1, clock: .manual(ManualClock()), requestLogLimit: 4)
        for _ in 0..<10 {
            _ = await simulator.serveAPI(
                method: "GET", path: "/rws/api/v1/devices", query: FleetFixture.wholeAccount, authorization: TestHTTP.demoAuth
            )
        }
        #expect(await simulator.requests().count <= 4)
        #expect(await simulator.requestCount(.searchDevices) == 10)
    }
}
