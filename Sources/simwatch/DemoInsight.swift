import Foundation
import ServiceLifecycle
import Simulator

/// The demo's insight show: one SIM on pace to pass its plan, one that spikes.
///
/// The simulator's clock runs 1200× fast (a 2 s poll is 40 simulated minutes). The hot
/// SIM starts the cycle at 65 % of its 500 MB plan, so it is projected past 100 % at its
/// first poll; the spiky one grows steadily, then, once the daemon has its baseline (at
/// least 3 rates), 40 times faster: a poll that straddles the change sees part of it, and
/// if that part stays under `spikes.factor` the next poll is still 10 times its new baseline.
struct DemoInsight: Service {
    let simulator: ControlCenterSimulator
    let hot: String
    let spiky: String
    /// When the spiky SIM speeds up: after five 2 s polls.
    let spikeAfter: Duration = .seconds(11)

    /// The billing cycle start day that puts today at least two weeks into the cycle, so the
    /// projection (min_elapsed 3d) speaks from the first poll on any day of the month.
    static func cycleStartDay(now: Date = Date()) -> Int {
        Calendar(identifier: .gregorian).component(.day, from: now) >= 15 ? 1 : 15
    }

    static let steadyGrowth = UsageGrowth(dataBytesPerHour: 6_000_000, smsPerHour: 0, voiceSecondsPerHour: 0, sessionsPerHour: 0)

    /// Sets the two SIMs up before the daemon's first poll.
    func prepare() async {
        _ = await simulator.update(hot) {
            $0.ratePlan = "hphlr rp1"
            $0.ctdDataUsage = 325_000_000
            $0.growth = Self.steadyGrowth
        }
        _ = await simulator.update(spiky) {
            $0.ratePlan = "iot-10GB"
            $0.ctdDataUsage = 50_000_000
            $0.growth = Self.steadyGrowth
        }
    }

    func run() async throws {
        try? await Task.sleep(for: spikeAfter)
        guard !Task.isShuttingDownGracefully else { return }
        _ = await simulator.update(spiky) {
            $0.growth.dataBytesPerHour = Self.steadyGrowth.dataBytesPerHour * 40
        }
        try? await gracefulShutdown()
    }
}
