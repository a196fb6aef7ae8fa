import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchState

/// `metrics.per_device`: the four per-SIM gauges, at 10,000 SIMs too.
@Suite struct MetricsPerDeviceTests {
    static func sample(_ index: Int, status: String = "ACTIVATED", name: String? = nil) -> DeviceSample {
        DeviceSample(
            iccid: "8988216716" + String(format: "%09d", index), name: name ?? "truck-\(index)", status: status,
            ratePlan: "hphlr rp1", usage: [.data: Int64(index) * 1_000_000, .sms: 3, .voice: 60, .sessions: 2],
            planRatio: [.data: Double(index) / 1000, .sms: 0.006], polledAt: Date(timeIntervalSince1970: 1_795_773_600))
    }

    static func metrics(enabled: Bool = true) -> SimwatchMetrics {
        let metrics = SimwatchMetrics()
        metrics.deviceGauges.setEnabled(enabled)
        return metrics
    }

    @Test func theFourGaugesPerSIM() {
        let metrics = Self.metrics()
        metrics.recordDevice(Self.sample(850))
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        let labels = #"iccid="8988216716000000850",device="truck-850""#
        #expect(text.contains("simwatch_device_usage{\(labels),metric=\"data\"} 850000000\n"))
        #expect(text.contains("simwatch_device_plan_ratio{\(labels),metric=\"data\"} 0.85\n"))
        #expect(text.contains("simwatch_device_info{\(labels),status=\"ACTIVATED\",rate_plan=\"hphlr rp1\"} 1\n"))
        #expect(text.contains("simwatch_device_last_poll_timestamp_seconds{\(labels)} 1795773600\n"))
        #expect(!text.contains("simwatch_device_plan_ratio{\(labels),metric=\"voice\""), "no allowance, no ratio")
    }

    @Test func aStatusChangeRemovesTheOldInfoSeries() {
        let metrics = Self.metrics()
        metrics.recordDevice(Self.sample(1))
        metrics.recordDevice(Self.sample(1, status: "DEACTIVATED"))
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains("status=\"DEACTIVATED\""))
        #expect(!text.contains("status=\"ACTIVATED\""))
        metrics.retainDevices([])
        #expect(!String(decoding: metrics.exposition(), as: UTF8.self).contains("simwatch_device_"))
    }

    @Test func offExportsNothing() {
        let metrics = Self.metrics(enabled: false)
        metrics.recordDevice(Self.sample(1))
        #expect(!String(decoding: metrics.exposition(), as: UTF8.self).contains("simwatch_device_"))
    }

    @Test func labelValuesAreEscaped() {
        let metrics = Self.metrics()
        metrics.recordDevice(Self.sample(2, name: "a\"b\\c\nd"))
        #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains(#"device="a\"b\\c\nd""#))
    }

    @Test func theEngineFeedsTheGaugesFromEachPoll() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        var config = StateEngineStartTests.config(stateFile: folder.statePath)
        config.metrics = MetricsSettings(address: try HostPort.parse("127.0.0.1:9464"))
        config.metrics?.perDevice = true
        config.plans = ["hphlr rp1": PlanAllowance(data: 1_000_000_000)]
        let metrics = SimwatchMetrics()
        metrics.describe(config)
        let engine = MonitorEngine(config: config, logger: CapturedLogs().logger, metrics: metrics, now: { StateFixtures.now })
        try await engine.start()
        await engine.recordUsage(DeviceUsage(iccid: StateEngineStartTests.device.iccid, status: "ACTIVATED", ratePlan: "hphlr rp1",
                                             ctdDataUsage: 250_000_000), for: StateEngineStartTests.device)
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains(#"simwatch_device_plan_ratio{iccid="8988216716970004975",device="truck-17",metric="data"} 0.25"#))
    }

    @Test(.enabled(if: Promtool.path != nil, "promtool is not on PATH (Debian: apt-get install prometheus)"))
    func tenThousandSIMsPassPromtool() async throws {
        let promtool = try #require(Promtool.path)
        let metrics = Self.metrics()
        for index in 0..<10_000 { metrics.recordDevice(Self.sample(index, status: index % 7 == 0 ? "DEACTIVATED" : "ACTIVATED")) }
        let clock = ContinuousClock()
        var text: [UInt8] = []
        let elapsed = clock.measure { text = metrics.exposition() }
        print("per-device exposition, 10,000 SIMs: \(text.count) bytes in \(elapsed)")
        #expect(text.count > 10_000 * 4 * 60)
        let result = try await Promtool.checkMetrics(text, promtool: promtool)
        #expect(result.status == 0, "promtool check metrics: \(result.output.prefix(2000))")
    }
}
