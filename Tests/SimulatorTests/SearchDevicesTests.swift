import Foundation
@testable import Simulator
import Testing

@Suite("Search Devices")
struct SearchDevicesTests {
    @Test func oneHundredTwentySIMsAreThreePagesTheLastOneMarked() async throws {
        try await withFleet(deviceCount: 120) { fleet in
            var seen: [String] = []
            for number in 1...3 {
                let page = try await fleet.listed("\(FleetFixture.wholeAccount)&pageSize=50&pageNumber=\(number)")
                #expect(page.pageNumber == number)
                #expect(page.iccids.count == (number < 3 ? 50 : 20))
                #expect(page.lastPage == (number == 3))
                seen += page.iccids
            }
            #expect(Set(seen) == Set(await fleet.simulator.iccids))
            #expect(seen.count == 120)
            let beyond = try await fleet.listed("\(FleetFixture.wholeAccount)&pageNumber=4")
            #expect(beyond.iccids.isEmpty && beyond.lastPage)
        }
    }

    @Test func theAnswerHasControlCenterShape() async throws {
        try await withFleet(deviceCount: 1) { fleet in
            let response = try await fleet.search(FleetFixture.wholeAccount)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            let device = try #require(await fleet.simulator.allDevices().first)
            #expect(response.text == #"{"pageNumber":1,"devices":[{"iccid":""# + device.iccid + #"","status":""#
                + device.status + #"","ratePlan":""# + device.ratePlan + #"","communicationPlan":"CP_Basic_ON"}],"lastPage":true}"#)
        }
    }

    @Test func oldestModificationFirstAndOnlySinceTheGivenTime() async throws {
        try await withFleet(deviceCount: 120) { fleet in
            let listed = try await fleet.listAll(FleetFixture.wholeAccount).iccids
            var dates: [Date] = []
            for iccid in listed { dates.append(try #require(await fleet.simulator.modificationDate(of: iccid))) }
            #expect(dates == dates.sorted())
            #expect(dates.first! < FleetFixture.origin.addingTimeInterval(-86_400))

            // The 61st change as the boundary, written in another time zone: inclusive, so 60 are left.
            let boundary = dates[60]
            for offset in [0, 120, -330] {
                let since = "modifiedSince=" + FleetFixture.encoded(boundary, offsetMinutes: offset)
                let recent = try await fleet.listAll(since)
                #expect(recent.iccids == Array(listed[60...]), "offset \(offset)")
                #expect(recent.pages == 2)
            }
            let future = try await fleet.listed("modifiedSince=" + FleetFixture.encoded(FleetFixture.origin.addingTimeInterval(1)))
            #expect(future.iccids.isEmpty && future.lastPage)
        }
    }

    @Test func smallPagesAndTheStatusFilter() async throws {
        try await withFleet(deviceCount: 40) { fleet in
            let all = try await fleet.listAll(FleetFixture.wholeAccount, pageSize: 7)
            #expect(all.pages == 6)
            #expect(Set(all.iccids).count == 40)
            let activated = await fleet.simulator.allDevices().filter { $0.status == "ACTIVATED" }.map(\.iccid)
            let filtered = try await fleet.listAll(FleetFixture.wholeAccount + "&status=ACTIVATED", pageSize: 9)
            #expect(Set(filtered.iccids) == Set(activated))
            #expect(filtered.iccids == all.iccids.filter(activated.contains))
            let none = try await fleet.listed(FleetFixture.wholeAccount + "&status=PURGED")
            #expect(none.iccids.isEmpty && none.lastPage)
        }
    }

    /// Cisco's samples send the offset's `+` as `%2B`; a servlet reads a raw `+` as a space.
    @Test func aRawPlusReadsAsASpaceAndIsRefusedWithAHint() async throws {
        try await withFleet(deviceCount: 3) { fleet in
            #expect(try await fleet.listed("modifiedSince=2000-01-01T00:00:00%2B00:00").iccids.count == 3)
            #expect(try await fleet.listed("modifiedSince=2000-01-01T00:00:00Z").iccids.count == 3)
            #expect(try await fleet.listed("modifiedSince=2000-01-01T00%3A00%3A00-05%3A00").iccids.count == 3)
            let raw = try await fleet.search("modifiedSince=2000-01-01T00:00:00+00:00")
            #expect(raw.status == 400)
            let body = try raw.json()
            #expect(body["errorCode"] as? String == "10000028")
            #expect((body["errorMessage"] as? String)?.contains("send it as %2B") == true)
        }
    }

    @Test(arguments: [
        ("", "modifiedSince is required"),
        ("modifiedSince=", "modifiedSince is required"),
        ("pageSize=50", "modifiedSince is required"),
        ("modifiedSince=2000-01-01", "ISO 8601"),
        ("modifiedSince=2000-01-01T00:00:00", "ISO 8601"),
        ("modifiedSince=2000-13-01T00:00:00Z", "ISO 8601"),
        ("modifiedSince=2023-02-29T00:00:00Z", "ISO 8601"),
        ("modifiedSince=2000-01-01T24:00:00Z", "ISO 8601"),
        ("modifiedSince=2000-01-01T00:00:60Z", "ISO 8601"),
        ("modifiedSince=2000-01-01T00:00:00%2B24:00", "ISO 8601"),
        ("modifiedSince=99999-01-01T00:00:00Z", "ISO 8601"),
        ("modifiedSince=-2000-01-01T00:00:00Z", "ISO 8601"),
        ("modifiedSince=1e300", "ISO 8601"),
        ("modifiedSince=nan", "ISO 8601"),
        ("modifiedSince=%20%20", "ISO 8601"),
        ("modifiedSince=2000-01-01T00:00:00.1234567890Z", "ISO 8601"),
        ("modifiedSince=2000-01-01T00:00:00Z%20", "ISO 8601"),
        ("modifiedSince=%EF%BC%92000-01-01T00:00:00Z", "ISO 8601"),
        ("modifiedSince=%FF", "percent-encoded UTF-8"),
        ("modifiedSince=%", "percent-encoded UTF-8"),
        ("modifiedSince=2000-01-01T00:00:00Z&modifiedTill=tomorrow", "modifiedTill must be"),
        ("modifiedSince=2000-01-01T00:00:00Z&pageSize=51", "pageSize must be at most 50"),
        ("modifiedSince=2000-01-01T00:00:00Z&pageSize=0", "from 1 to 50"),
        ("modifiedSince=2000-01-01T00:00:00Z&pageSize=-1", "from 1 to 50"),
        ("modifiedSince=2000-01-01T00:00:00Z&pageSize=9223372036854775808", "from 1 to 50"),
        ("modifiedSince=2000-01-01T00:00:00Z&pageSize=", "from 1 to 50"),
        ("modifiedSince=2000-01-01T00:00:00Z&pageSize=%2B5", "from 1 to 50"),
        ("modifiedSince=2000-01-01T00:00:00Z&pageSize=5.0", "from 1 to 50"),
        ("modifiedSince=2000-01-01T00:00:00Z&pageNumber=0", "pageNumber must be"),
        ("modifiedSince=2000-01-01T00:00:00Z&pageNumber=1e300", "pageNumber must be"),
        ("modifiedSince=2000-01-01T00:00:00Z&pageNumber=99999999999999999999", "pageNumber must be"),
        ("modifiedSince=2000-01-01T00:00:00Z&accountId=abc", "accountId must be a number"),
        ("modifiedSince=2000-01-01T00:00:00Z&accountId=999", "not an account this user may see"),
        ("modifiedSince=2000-01-01T00:00:00Z&modifiedsince=x", "Unrecognized parameter: modifiedsince"),
    ])
    func badQueriesAreRefusedWithA400NamingTheParameter(_ query: String, message: String) async throws {
        let simulator = ControlCenterSimulator(deviceCount: 3, clock: .manual(ManualClock()))
        let response = await simulator.serveAPI(
            method: "GET", path: "/rws/api/v1/devices", query: query, authorization: TestHTTP.demoAuth
        )
        #expect(response.statusCode.code == 400)
        let body = try #require(
            try JSONSerialization.jsonObject(with: try await response.bodyData) as? [String: String]
        )
        #expect(body["errorCode"] == "10000028")
        #expect(body["errorMessage"]?.contains(message) == true, "\(body)")
    }

    @Test func hugePageNumbersAndOtherGoodEdgesAnswerEmptyLastPages() async throws {
        let simulator = ControlCenterSimulator(deviceCount: 3, clock: .manual(ManualClock()))
        for query in [
            "modifiedSince=2000-01-01T00:00:00Z&pageNumber=9223372036854775807",
            "modifiedSince=2000-01-01T00:00:00Z&pageNumber=2",
            "modifiedSince=9999-12-31T23:59:59.999999999-23:59",
        ] {
            let response = await simulator.serveAPI(
                method: "GET", path: "/rws/api/v1/devices", query: query, authorization: TestHTTP.demoAuth
            )
            #expect(response.statusCode.code == 200, "\(query)")
            let text = String(decoding: try await response.bodyData, as: UTF8.self)
            #expect(text.hasSuffix(#""devices":[],"lastPage":true}"#), "\(query): \(text)")
        }
        let page = await simulator.searchDevices(SearchDevicesQuery(
            modifiedSince: .distantPast, pageSize: Int.max, pageNumber: Int.max
        ))
        #expect(page.devices.isEmpty && page.lastPage)
        let accountPage = await simulator.searchDevices(SearchDevicesQuery(modifiedSince: .distantPast, accountId: "100000"))
        #expect(accountPage.devices.count == 3)
        // Repeated parameters: the first counts, as a servlet's getParameter does.
        let repeated = await simulator.serveAPI(
            method: "GET", path: "/rws/api/v1/devices",
            query: "modifiedSince=2000-01-01T00:00:00Z&pageSize=1&pageSize=99", authorization: TestHTTP.demoAuth
        )
        #expect(repeated.statusCode.code == 200)
    }

    @Test func modifiedTillBoundsTheWindow() async throws {
        try await withFleet(deviceCount: 30) { fleet in
            let all = try await fleet.listAll(FleetFixture.wholeAccount).iccids
            let tenth = try #require(await fleet.simulator.modificationDate(of: all[9]))
            let upTo = try await fleet.listAll(FleetFixture.wholeAccount + "&modifiedTill=" + FleetFixture.encoded(tenth))
            #expect(upTo.iccids == Array(all[..<10]))
        }
    }

    @Test func credentialsAndVersionAreCheckedAsForUsage() async throws {
        try await withFleet(deviceCount: 2) { fleet in
            let none = try await fleet.search(FleetFixture.wholeAccount, authorization: nil)
            #expect(none.status == 401)
            #expect(try none.json()["errorCode"] as? String == "10000001")
            let wrong = try await fleet.search(FleetFixture.wholeAccount, authorization: TestHTTP.basic("simwatch", "nope"))
            #expect(wrong.status == 401)
            // Credentials come before parameters: a bad query with bad credentials is a 401.
            let both = try await fleet.search("pageSize=99", authorization: nil)
            #expect(both.status == 401)
            let v2 = try await TestHTTP.send(
                "\(fleet.base)/rws/api/v2/devices?\(FleetFixture.wholeAccount)", authorization: TestHTTP.demoAuth
            )
            #expect(v2.status == 400)
            #expect(try v2.json()["errorCode"] as? String == "10000024")
            let post = try await TestHTTP.send(
                "\(fleet.base)/rws/api/v1/devices?\(FleetFixture.wholeAccount)", method: "POST",
                authorization: TestHTTP.demoAuth
            )
            #expect(post.status == 405)
        }
    }
}
