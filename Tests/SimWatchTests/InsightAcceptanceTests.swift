import CurlHTTP
import Foundation
import Logging
import Simulator
import Synchronization
import Testing
@testable import SimWatchConfig
@testable import SimWatchControlCenter
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchState

/// Issue 12's acceptance against the simulator: hourly polls over real HTTP through the
/// engine, on a simulated December (wall clock and usage clock moved together).
@Suite struct InsightAcceptanceTests {
    static let gigabyte = 1_000_000_000.0
    static let december = InsightBillingCycleTests.utc("2026-12-01T00:00:00Z")
    static let hoursInDecember = 744.0

    @Test func paceSpikeAndSteadySIMs() async throws {
        let manual = ManualClock()
        let simulator = ControlCenterSimulator(deviceCount: 3, username: "apiuser", apiKey: "CANARY-SIM-KEY",
                                               clock: .manual(manual))
        _ = try await simulator.start()
        defer { Task { await simulator.stop() } }
        let iccids = await simulator.iccids
        let (pace, spiky, steady) = (iccids[0], iccids[1], iccids[2])
        func grow(_ iccid: String, plan: String, perHour: Double) async {
            _ = await simulator.update(iccid) {
                $0.ratePlan = plan
                $0.status = "ACTIVATED"
                $0.ctdDataUsage = 0; $0.ctdSMSUsage = 0; $0.ctdVoiceUsage = 0; $0.ctdSessionCount = 0
                $0.growth = UsageGrowth(dataBytesPerHour: perHour, smsPerHour: 0, voiceSecondsPerHour: 0, sessionsPerHour: 0)
            }
        }
        // 1.5 times the pace a 1 GB plan allows over December's 744 hours.
        await grow(pace, plan: "small", perHour: 1.5 * Self.gigabyte / Self.hoursInDecember)
        await grow(spiky, plan: "large", perHour: 6_000_000)
        await grow(steady, plan: "large", perHour: 6_000_000)

        let folder = try StateTestFolder()
        defer { folder.remove() }
        let devices = [DeviceEntry(iccid: pace, name: "pace"), DeviceEntry(iccid: spiky, name: "spiky"), DeviceEntry(iccid: steady, name: "steady")]
        let config = Config(
            path: "t.yaml",
            controlCenter: ControlCenterSettings(baseURL: await simulator.baseURL, username: "apiuser",
                                                 apiKey: Secret("CANARY-SIM-KEY"), rateLimit: 1000),
            stateFile: folder.statePath, devices: devices,
            plans: ["small": PlanAllowance(data: 1_000_000_000), "large": PlanAllowance(data: 10_000_000_000)])
        let wall = Mutex(Self.december)
        let engine = MonitorEngine(config: config, logger: CapturedLogs().logger, now: { wall.withLock { $0 } })
        try await engine.start()
        let client = ControlCenterClient(settings: config.controlCenter, http: CurlHTTPClient(), logger: Logger(label: "test"))

        var events: [(hour: Int, event: Event)] = []
        for hour in 0...(5 * 24) {
            if hour == 60 { _ = await simulator.update(spiky) { $0.growth.dataBytesPerHour *= 20 } }
            for device in devices {
                let usage = try await client.usage(iccid: device.iccid)
                events += await engine.recordUsage(usage, for: device).map { (hour, $0) }
            }
            manual.advance(by: .seconds(3600))
            wall.withLock { $0 = $0.addingTimeInterval(3600) }
        }

        func of(_ kind: EventKind, _ name: String) -> [(hour: Int, event: Event)] {
            events.filter { $0.event.kind == kind && $0.event.deviceName == name }
        }
        let projected = of(.overageProjected, "pace")
        #expect(projected.count == 1)
        let first = try #require(projected.first)
        #expect(first.hour == 72, "not before min_elapsed (3 days), and then at once")
        let event = first.event
        #expect(event.limit == 1_000_000_000 && event.metric == .data)
        #expect(abs((event.projectedPercent ?? 0) - 150) < 1)
        #expect(abs(Double(event.projectedValue ?? 0) - 1.5 * Self.gigabyte) < 0.01 * Self.gigabyte)
        #expect(event.cycleEndsAt == InsightBillingCycleTests.utc("2027-01-01T00:00:00Z"))
        // At 1.5 times the pace the plan is used up after two thirds of the cycle.
        let reached = try #require(event.limitReachedAt)
        #expect(abs(reached.timeIntervalSince(Self.december) - Self.hoursInDecember * 3600 * 2 / 3) < 2 * 3600)
        #expect(of(.usageSpike, "pace").isEmpty)

        let spikes = of(.usageSpike, "spiky")
        #expect(spikes.map(\.hour) == [61])
        #expect(abs((spikes.first?.event.factor ?? 0) - 20) < 0.5)
        #expect(abs((spikes.first?.event.baselinePerHour ?? 0) - 6_000_000) < 10_000)

        #expect(of(.usageSpike, "steady").isEmpty)
        #expect(of(.overageProjected, "steady").isEmpty)
    }
}
