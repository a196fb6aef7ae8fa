import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor
import Simulator

/// What the scheduling benchmark simulates (DESIGN.md "Fleets at scale", targets).
struct ScheduleBenchSettings: Sendable {
    var devices = 100_000
    var rateLimit = 5.0
    var interval = Duration.seconds(15 * 60)
    var maxInterval = Duration.seconds(24 * 3600)
    var changesEvery = Duration.seconds(60)
    /// Simulated time before measuring starts: the first sweep and the first rates, as a
    /// daemon has them after its first hours (or after a restart, from the state file).
    var warmUp = Duration.seconds(12 * 3600)
    var measured = Duration.seconds(24 * 3600)
    /// One status change (ACTIVATED <-> DEACTIVATED) of a random SIM this often.
    var churnEvery = Duration.seconds(30)
    var seed: UInt64 = 1

    var poll: PollSettings { PollSettings(interval: interval, maxInterval: maxInterval) }

    /// Search Devices calls per interval when nothing much changes: one page per feed pass.
    var feedCallsPerInterval: Int {
        FleetSettings(discover: true, changesEvery: changesEvery).feedCalls(per: interval)
    }

    /// 500 MB, 80 % and 100 % of plan: what an operator watching data typically sets.
    var rules: DetectionRules {
        DetectionRules(
            thresholds: [
                Threshold(metric: .data, level: .absolute(500_000_000)),
                Threshold(metric: .data, level: .percent(80)),
                Threshold(metric: .data, level: .percent(100), severity: .critical),
            ],
            plans: [
                "hphlr rp1": PlanAllowance(data: 1_000_000_000), "iot-1GB": PlanAllowance(data: 1_000_000_000),
                "iot-10GB": PlanAllowance(data: 10_000_000_000),
            ])
    }
}

/// When each SIM really crosses each threshold: the simulator's counters grow linearly
/// from their values at the start, so the crossing time is exact.
struct CrossingTruth {
    struct Crossing {
        var iccid: String
        var level: Int64
        /// Since the start of the simulation.
        var at: Duration
        var steady: Bool
    }

    var crossings: [Crossing] = []

    /// The crossings inside the measured window, for the fleet `devices` as it is at the start.
    init(devices: [SimulatedDevice], settings: ScheduleBenchSettings) {
        let rules = settings.rules
        let window = settings.warmUp.seconds..<(settings.warmUp + settings.measured).seconds
        for (offset, device) in devices.enumerated() where device.growth.dataBytesPerHour > 0 {
            let profile = DeviceGenerator.profile(index: offset + 1, seed: settings.seed, mix: .heavyTailed)
            let perSecond = device.growth.dataBytesPerHour / 3600
            for threshold in rules.thresholds {
                guard let level = Detector.resolve(threshold, ratePlan: device.ratePlan, plans: rules.plans)?.level,
                      level > device.ctdDataUsage else { continue }
                let seconds = Double(level - device.ctdDataUsage) / perSecond
                guard window.contains(seconds) else { continue }
                crossings.append(Crossing(
                    iccid: device.iccid, level: level, at: .nanoseconds(Int64(seconds * 1e9)), steady: profile == .steady))
            }
        }
    }

    static func key(_ iccid: String, _ level: Int64) -> String { "\(iccid)|\(level)" }
}

extension DeviceUsage {
    /// The `ctdUsages` answer the simulator would serve for `device`, as the client decodes it.
    init(simulated device: SimulatedDevice) {
        self.init(
            iccid: device.iccid, imsi: device.imsi, msisdn: device.msisdn, imei: device.imei, status: device.status,
            ratePlan: device.ratePlan, communicationPlan: device.communicationPlan, ctdDataUsage: device.ctdDataUsage,
            ctdSMSUsage: device.ctdSMSUsage, ctdVoiceUsage: device.ctdVoiceUsage, ctdSessionCount: device.ctdSessionCount,
            overageLimitReached: device.overageLimitReached, overageLimitOverride: device.overageLimitOverride)
    }
}
