import Foundation
@testable import Simulator
import Testing

@Suite("Fleet generator and churn")
struct FleetGeneratorTests {
    @Test func sharesAreRoughlyAsConfiguredAndReproducible() throws {
        let mix = try SimulatedUsageMix(idle: 70, steady: 25, hot: 5)
        var counts: [SimulatedUsageProfile: Int] = [:]
        let total = 20_000
        for index in 1...total {
            let profile = DeviceGenerator.profile(index: index, seed: 5, mix: mix)
            counts[profile, default: 0] += 1
            let device = DeviceGenerator.device(index: index, seed: 5, mix: mix)
            #expect(device == DeviceGenerator.device(index: index, seed: 5, mix: mix))
            switch profile {
            case .idle:
                #expect(device.growth == .none)
            case .steady:
                #expect(device.status == "ACTIVATED")
                #expect((2_000_000..<20_000_000).contains(device.growth.dataBytesPerHour))
            case .hot:
                #expect(device.status == "ACTIVATED")
                #expect((100_000_000..<2_000_000_001).contains(device.growth.dataBytesPerHour))
            }
        }
        #expect(abs(Double(counts[.idle] ?? 0) / Double(total) - 0.70) < 0.015)
        #expect(abs(Double(counts[.steady] ?? 0) / Double(total) - 0.25) < 0.015)
        #expect(abs(Double(counts[.hot] ?? 0) / Double(total) - 0.05) < 0.008)
    }

    @Test func theHeavyTailedFleetIsMostlyIdleWithAFewHotSIMs() async throws {
        let simulator = ControlCenterSimulator(deviceCount: 5_000, clock: .manual(ManualClock()), usageMix: .heavyTailed)
        let devices = await simulator.allDevices()
        let idle = devices.filter { $0.growth == .none }.count
        let hot = devices.filter { $0.growth.dataBytesPerHour >= 100_000_000 }.count
        #expect(Double(idle) / 5_000 > 0.78 && Double(idle) / 5_000 < 0.83)
        #expect(Double(hot) / 5_000 > 0.02 && Double(hot) / 5_000 < 0.04)
        // The heavy tail: the hottest SIM burns many times the median hot one.
        let rates = devices.map(\.growth.dataBytesPerHour).filter { $0 >= 100_000_000 }.sorted()
        #expect(rates.last! > rates[rates.count / 2] * 3)
    }

    @Test func withoutAMixTheFleetIsTheUniformDemoFleet() {
        for index in 1...50 {
            let device = DeviceGenerator.device(index: index, seed: 3)
            #expect(device.status != "ACTIVATED" || (1_000_000..<20_000_000).contains(device.growth.dataBytesPerHour))
        }
    }

    @Test(arguments: [
        ("idle=80,steady=17,hot=3", 0.80, 0.17, 0.03),
        ("hot=1, idle=1", 0.5, 0, 0.5),
        ("80/17/3", 0.80, 0.17, 0.03),
        ("0.5/0.5/0", 0.5, 0.5, 0),
        (" 1/1/2 ", 0.25, 0.25, 0.5),
    ])
    func mixesParse(_ text: String, idle: Double, steady: Double, hot: Double) throws {
        let mix = try SimulatedUsageMix.parse(text)
        #expect(abs(mix.idle - idle) < 1e-9 && abs(mix.steady - steady) < 1e-9 && abs(mix.hot - hot) < 1e-9)
    }

    @Test(arguments: [
        "", " ", "steady=0", "0/0/0", "idle=-1,hot=3", "idle=nan", "idle=inf", "1e300/1/1", "1000001/1/1",
        "idle=80,idle=20", "cold=3", "idle=", "80/17", "80/17/3/1", "80,17,3", "-0/1/1", "0x10/1/1", "idle=8\u{0660}",
    ])
    func badMixesAreRefusedWithAMessage(_ text: String) {
        #expect {
            try SimulatedUsageMix.parse(text)
        } throws: { error in
            "\(error)".contains("invalid usage mix") && "\(error)".contains("idle=80,steady=17,hot=3")
        }
    }

    @Test func mixWeightsAreBounded() {
        for bad in [Double.nan, .infinity, -.infinity, -1, 1e300, -0.0 - 1e-300] {
            #expect(throws: SimulatedUsageMixError.self) { try SimulatedUsageMix(idle: bad, steady: 1, hot: 1) }
        }
        #expect(throws: SimulatedUsageMixError.self) { try SimulatedUsageMix(idle: 0, steady: -0.0, hot: 0) }
        #expect(SimulatedUsageMix.heavyTailed.description == "idle=80,steady=17,hot=3")
    }

    @Test func churnCanTouchAShareOfTheFleetWithStatusChangesOnly() async throws {
        let settings = ChurnSettings(fleetShare: 0.01, weights: .statusOnly, seed: 4)
        let simulator = ControlCenterSimulator(deviceCount: 2_000, clock: .manual(ManualClock()), churn: settings)
        let changes = await simulator.tick()
        #expect(changes.count == 20)
        #expect(changes.allSatisfy { $0.field == "status" })
        #expect(settings.changes(fleetSize: 0) == 1)
        for share in [Double.nan, .infinity, -1, 1e300] {
            let odd = ChurnSettings(fleetShare: share)
            #expect((1...1000).contains(odd.changes(fleetSize: 1000)), "\(share)")
        }
        #expect(ChurnSettings(changesPerTick: .max).changes(fleetSize: 50) == 50)
        #expect(ChurnWeights(status: -5, overage: 0, ratePlan: 0) == .statusOnly)
    }

    @Test func countersSaturateInsteadOfTrapping() async throws {
        let clock = ManualClock()
        let simulator = ControlCenterSimulator(deviceCount: 1, clock: .manual(clock))
        let iccid = try #require(await simulator.iccids.first)
        await simulator.update(iccid) {
            $0.ctdDataUsage = .max - 10
            $0.ctdSessionCount = .max
            $0.growth = UsageGrowth(dataBytesPerHour: 1e300, smsPerHour: .infinity, voiceSecondsPerHour: .nan, sessionsPerHour: 5)
        }
        clock.advance(by: .seconds(86_400 * 365 * 100))
        let device = try #require(await simulator.device(iccid))
        #expect(device.ctdDataUsage == .max && device.ctdSMSUsage == .max && device.ctdSessionCount == .max)
        #expect(SimulatedDevice.grown(-5, by: 3) == -2)
        #expect(SimulatedDevice.grown(7, by: -1e300) == 7)
        #expect(SimulatedDevice.grown(7, by: 9.3e18) == .max)
        #expect(SimulatedDevice.grown(.max - 1, by: 1) == .max)
    }
}
