import Foundation
@testable import Simulator
import Testing

@Suite("Modification times")
struct ModificationTests {
    @Test func statusAndPlanChangesBumpTheTimeUsageDoesNot() async throws {
        try await withFleet(deviceCount: 20) { fleet in
            let simulator = fleet.simulator
            let device = try #require(await simulator.allDevices().first { $0.growth.dataBytesPerHour > 0 })
            let created = try #require(await simulator.modificationDate(of: device.iccid))
            #expect(created <= FleetFixture.origin)

            fleet.clock.advance(by: .seconds(10 * 3600))
            #expect(try #require(await simulator.device(device.iccid)).ctdDataUsage > device.ctdDataUsage)
            _ = try await TestHTTP.json("PATCH", "\(fleet.base)/_sim/devices/\(device.iccid)", [
                "ctdDataUsage": 5, "overageLimitReached": true, "imei": "356938035643809",
            ])
            await simulator.resetCycle(device.iccid)
            #expect(await simulator.modificationDate(of: device.iccid) == created)
            let since = "modifiedSince=" + FleetFixture.encoded(FleetFixture.origin)
            #expect(try await fleet.listed(since).iccids.isEmpty)

            let patched = try await TestHTTP.json("PATCH", "\(fleet.base)/_sim/devices/\(device.iccid)", ["status": "DEACTIVATED"])
            #expect(patched.status == 200)
            let bumped = FleetFixture.origin.addingTimeInterval(10 * 3600)
            #expect(await simulator.modificationDate(of: device.iccid) == bumped)
            let listing = try await fleet.search(since)
            #expect(try listing.json()["devices"] as? [[String: String]] == [[
                "iccid": device.iccid, "status": "DEACTIVATED", "ratePlan": device.ratePlan,
                "communicationPlan": device.communicationPlan,
            ]])

            // The changed device moved to the end of the whole listing.
            #expect(try await fleet.listAll(FleetFixture.wholeAccount).iccids.last == device.iccid)

            for (field, value) in [("ratePlan", "iot-50GB"), ("communicationPlan", "CP_Other"), ("overageLimitOverride", "PERMANENT_OVERRIDE")] {
                fleet.clock.advance(by: .seconds(60))
                _ = try await TestHTTP.json("PATCH", "\(fleet.base)/_sim/devices/\(device.iccid)", [field: value])
                #expect(await simulator.modificationDate(of: device.iccid) == FleetFixture.origin.addingTimeInterval(
                    10 * 3600 + 60 * Double(["ratePlan", "communicationPlan", "overageLimitOverride"].firstIndex(of: field)! + 1)
                ), "\(field)")
            }
            // Setting the same status again is no modification.
            fleet.clock.advance(by: .seconds(60))
            let before = await simulator.modificationDate(of: device.iccid)
            _ = try await TestHTTP.json("PATCH", "\(fleet.base)/_sim/devices/\(device.iccid)", ["status": "DEACTIVATED"])
            #expect(await simulator.modificationDate(of: device.iccid) == before)
        }
    }

    @Test func aChangeDuringAListingGivesADuplicateNeverAGap() async throws {
        try await withFleet(deviceCount: 120) { fleet in
            let query = FleetFixture.wholeAccount + "&pageSize=50&pageNumber="
            let first = try await fleet.listed(query + "1").iccids
            fleet.clock.advance(by: .seconds(30))
            _ = try await TestHTTP.json("PATCH", "\(fleet.base)/_sim/devices/\(first[3])", ["status": "RETIRED"])
            let second = try await fleet.listed(query + "2")
            let third = try await fleet.listed(query + "3")
            #expect(!second.lastPage && third.lastPage)
            let listed = first + second.iccids + third.iccids
            #expect(Set(listed) == Set(await fleet.simulator.iccids))
            #expect(listed.count == 121 && listed.last == first[3])
            // 15 minutes later the old place is gone: one listing, one entry per SIM.
            fleet.clock.advance(by: .seconds(901))
            let later = try await fleet.listAll(FleetFixture.wholeAccount).iccids
            #expect(later.count == 120 && later.last == first[3])
        }
    }

    @Test func theStatusFilterFollowsStatusChanges() async throws {
        try await withFleet(deviceCount: 10) { fleet in
            let iccid = try #require(await fleet.simulator.allDevices().first { $0.status == "ACTIVATED" }?.iccid)
            await fleet.simulator.update(iccid) { $0.status = "RETIRED" }
            let retired = try await fleet.listed(FleetFixture.wholeAccount + "&status=RETIRED")
            #expect(retired.iccids == [iccid])
            let activated = try await fleet.listAll(FleetFixture.wholeAccount + "&status=ACTIVATED")
            #expect(!activated.iccids.contains(iccid))
            await fleet.simulator.removeDevice(iccid)
            #expect(try await fleet.listed(FleetFixture.wholeAccount + "&status=RETIRED").iccids.isEmpty)
            #expect(!(try await fleet.listAll(FleetFixture.wholeAccount).iccids.contains(iccid)))
        }
    }

    @Test func addedSIMsAppearWithAFreshTime() async throws {
        try await withFleet(deviceCount: 5) { fleet in
            fleet.clock.advance(by: .seconds(300))
            let since = "modifiedSince=" + FleetFixture.encoded(FleetFixture.origin.addingTimeInterval(1))
            let added = try await TestHTTP.json("POST", "\(fleet.base)/_sim/devices", [
                "iccid": "89011704252318147060", "status": "TEST_READY",
            ])
            #expect(added.status == 201)
            #expect(try await fleet.listed(since).iccids == ["89011704252318147060"])

            fleet.clock.advance(by: .seconds(60))
            let generated = try await TestHTTP.json("POST", "\(fleet.base)/_sim/generate", ["count": 3])
            #expect(generated.status == 201)
            let new = try #require(try generated.json()["added"] as? [String])
            #expect(new == (6...8).map(DeviceGenerator.iccid(index:)))
            #expect(try await fleet.listed(since).iccids == ["89011704252318147060"] + new)
            #expect(await fleet.simulator.iccids.count == 9)
            #expect(await fleet.simulator.modificationDate(of: new[0]) == FleetFixture.origin.addingTimeInterval(360))
            let usage = try await TestHTTP.send(ControlCenterAPITests.usageURL(fleet.base, new[2]), authorization: TestHTTP.demoAuth)
            #expect(usage.status == 200)

            for body in [#"{}"#, #"{"count": 0}"#, #"{"count": 100001}"#, #"{"count": 1e300}"#, #"{"count": "3"}"#, #"{"n": 3}"#] {
                let refused = try await TestHTTP.send("\(fleet.base)/_sim/generate", method: "POST", body: Data(body.utf8))
                #expect(refused.status == 400, "\(body)")
            }
            #expect(await fleet.simulator.iccids.count == 9)
        }
    }

    @Test func generatedAdditionsSkipICCIDsAlreadyInUse() async throws {
        let simulator = ControlCenterSimulator(deviceCount: 2, clock: .manual(ManualClock()))
        await simulator.addDevice(SimulatedDevice(iccid: DeviceGenerator.iccid(index: 3)))
        let added = await simulator.addGeneratedDevices(2)
        #expect(added == [DeviceGenerator.iccid(index: 4), DeviceGenerator.iccid(index: 5)])
        #expect(await simulator.addGeneratedDevices(0).isEmpty)
        #expect(await simulator.addGeneratedDevices(-5).isEmpty)
    }

    @Test func churnStatusChangesBumpTimesAndOverageFlipsDoNot() async throws {
        let clock = ManualClock()
        let simulator = ControlCenterSimulator(
            deviceCount: 200, clock: .manual(clock), dateClock: .manual(clock, origin: FleetFixture.origin),
            churn: ChurnSettings(changesPerTick: 30, seed: 9)
        )
        clock.advance(by: .seconds(120))
        let changes = await simulator.tick()
        #expect(changes.count == 30)
        for change in changes {
            let date = await simulator.modificationDate(of: change.iccid)
            if change.field == "overageLimitReached" {
                // Unless another change in the same round touched this SIM.
                if !changes.contains(where: { $0.iccid == change.iccid && $0.field != "overageLimitReached" }) {
                    #expect(date! <= FleetFixture.origin)
                }
            } else {
                #expect(date == FleetFixture.origin.addingTimeInterval(120))
            }
        }
        #expect(changes.contains { $0.field == "status" } && changes.contains { $0.field == "overageLimitReached" })
    }

    @Test func aClockThatRunsBackNeverReordersTheListing() async throws {
        let now = LockedValue(FleetFixture.origin)
        let simulator = ControlCenterSimulator(
            deviceCount: 3, clock: .manual(ManualClock()), dateClock: SimulatorDateClock { now.get() }
        )
        let iccids = await simulator.iccids
        await simulator.update(iccids[0]) { $0.status = "RETIRED" }
        now.set(FleetFixture.origin.addingTimeInterval(-86_400 * 400))
        await simulator.update(iccids[1]) { $0.status = "RETIRED" }
        now.set(Date(timeIntervalSinceReferenceDate: .nan))
        await simulator.update(iccids[2]) { $0.status = "RETIRED" }
        let page = await simulator.searchDevices(SearchDevicesQuery(modifiedSince: FleetFixture.origin))
        #expect(page.devices.map(\.iccid) == iccids)
    }
}
