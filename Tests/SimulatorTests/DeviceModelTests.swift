import Foundation
@testable import Simulator
import Testing

@Suite("Generated fleet and Swift control")
struct DeviceModelTests {
    @Test func generatedFleetLooksRealAndIsReproducible() async throws {
        let first = ControlCenterSimulator(deviceCount: 200, seed: 7, clock: .manual(ManualClock()))
        let second = ControlCenterSimulator(deviceCount: 200, seed: 7, clock: .manual(ManualClock()))
        let other = ControlCenterSimulator(deviceCount: 200, seed: 8, clock: .manual(ManualClock()))
        let devices = await first.allDevices()
        #expect(devices == (await second.allDevices()))
        #expect(devices != (await other.allDevices()))
        #expect(Set(devices.map(\.iccid)).count == 200)
        #expect(devices.first?.iccid == "8988216716970000001")
        for device in devices {
            #expect(device.iccid.hasPrefix("89") && (19...20).contains(device.iccid.count))
            #expect(device.iccid.allSatisfy { $0.isNumber })
            #expect(device.imsi.count == 15 && device.msisdn.count == 15)
            #expect(device.imei.isEmpty || (device.imei.count == 15 && device.imei.allSatisfy { $0.isNumber }))
            #expect(DeviceGenerator.ratePlans.contains(device.ratePlan))
            #expect(device.communicationPlan == "CP_Basic_ON")
        }
        #expect(devices.contains { $0.iccid.count == 20 })
        #expect(devices.contains { $0.imei.isEmpty } && devices.contains { !$0.imei.isEmpty })
        #expect(devices.contains { $0.ctdSessionCount == nil })
        let activated = devices.filter { $0.status == "ACTIVATED" }.count
        #expect(activated > 150 && activated < 200)
    }

    @Test func updateAppliesAndGrowthContinuesFromTheNewValues() async throws {
        let clock = ManualClock()
        let simulator = ControlCenterSimulator(deviceCount: 1, clock: .manual(clock))
        let iccid = try #require(await simulator.iccids.first)
        let original = try #require(await simulator.device(iccid))
        await simulator.update(iccid) {
            $0.ctdDataUsage = 1_000
            $0.growth = UsageGrowth(dataBytesPerHour: 3_600, smsPerHour: 1, voiceSecondsPerHour: 60, sessionsPerHour: 2)
            $0.ctdSessionCount = 5
            $0.status = "TEST_READY"
        }
        clock.advance(by: .seconds(1800))
        let device = try #require(await simulator.device(iccid))
        #expect(device.ctdDataUsage == 2_800)
        #expect(device.ctdVoiceUsage == original.ctdVoiceUsage + 30)
        #expect(device.ctdSMSUsage == original.ctdSMSUsage)
        #expect(device.ctdSessionCount == 6)
        #expect(device.status == "TEST_READY")

        await simulator.resetCycle(iccid)
        #expect(await simulator.device(iccid)?.ctdDataUsage == 0)
        clock.advance(by: .seconds(3600))
        #expect(await simulator.device(iccid)?.ctdDataUsage == 3_600)
        #expect(await simulator.update("8900000000000000000") { _ in } == false)
    }

    @Test func addAndRemoveDevices() async throws {
        let simulator = ControlCenterSimulator(deviceCount: 2, clock: .manual(ManualClock()))
        await simulator.addDevice(SimulatedDevice(iccid: "89011704252318147060", ctdSessionCount: nil))
        #expect(await simulator.iccids.count == 3)
        #expect(await simulator.device("89011704252318147060")?.jsonRecord.contains("\"ctdSessionCount\":null") == true)
        #expect(await simulator.removeDevice("89011704252318147060"))
        #expect(await simulator.device("89011704252318147060") == nil)
        #expect(await simulator.iccids.count == 2)
    }

    @Test func jsonRecordEscapesStrings() {
        let device = SimulatedDevice(iccid: "1", ratePlan: "plan \"A\"\\\n")
        let parsed = try? JSONSerialization.jsonObject(with: Data(device.jsonRecord.utf8)) as? [String: Any]
        #expect(parsed?["ratePlan"] as? String == "plan \"A\"\\\n")
    }

    @Test func churnIsSeededAndChangesDevices() async throws {
        let settings = ChurnSettings(changesPerTick: 3, seed: 42)
        let first = ControlCenterSimulator(deviceCount: 10, clock: .manual(ManualClock()), churn: settings)
        let second = ControlCenterSimulator(deviceCount: 10, clock: .manual(ManualClock()), churn: settings)
        let changes = await first.tick()
        #expect(changes.count == 3)
        #expect(changes == (await second.tick()))
        let last = try #require(changes.last)
        let device = try #require(await first.device(last.iccid))
        let value = switch last.field {
        case "status": device.status
        case "overageLimitReached": String(device.overageLimitReached)
        default: device.ratePlan
        }
        #expect(value == last.current)
        #expect(last.previous != last.current)
    }

    @Test func churnRunsOnATimerAfterStart() async throws {
        let simulator = ControlCenterSimulator(
            deviceCount: 5, clock: .manual(ManualClock()), churn: ChurnSettings(interval: .milliseconds(10), seed: 3)
        )
        let before = await simulator.allDevices()
        try await simulator.start()
        let deadline = ContinuousClock.now + .seconds(5)
        while await simulator.allDevices() == before, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        await simulator.stop()
        #expect(await simulator.allDevices() != before)
    }
}
