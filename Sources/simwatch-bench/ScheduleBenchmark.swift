import Foundation
import SimWatchCore
import Simulator

/// `simwatch-bench schedule`: round robin against budgeted polling on 100,000 simulated SIMs,
/// a day of simulated time each, and whether the budgeted run meets DESIGN.md's targets.
enum ScheduleBenchmark {
    /// Delays in seconds, summarized.
    struct Delays {
        var count: Int
        var p50: Double
        var p95: Double
        var max: Double
        /// Events never reported by the end of the run (their delay counts as "until the end").
        var missed: Int

        init(_ values: [Double], missed: Int) {
            let sorted = values.sorted()
            func rank(_ share: Double) -> Double {
                guard !sorted.isEmpty else { return 0 }
                return sorted[Swift.min(sorted.count - 1, Int((share * Double(sorted.count)).rounded(.up)) - 1)]
            }
            count = sorted.count
            p50 = rank(0.5)
            p95 = rank(0.95)
            max = sorted.last ?? 0
            self.missed = missed
        }

        var text: String {
            "\(short(p50)) / \(short(p95)) / \(short(max))" + (missed > 0 ? " (\(missed) missed)" : "")
        }
    }

    /// What one run measured.
    struct Result {
        var mode: PollingMode
        var status: Delays
        var revertedUnseen: Int
        var steady: Delays
        var all: Delays
        var longestUnpolled: Double
        var usagePerHour: Double
        var searchPerHour: Double
        var busiestHour: Int
        var mostInOneSecond: Int
        var wallSeconds: Double
    }

    static func run(settings: ScheduleBenchSettings) async throws -> Int32 {
        print("Polling on a budget, simulated time: \(settings.devices) SIMs (\(SimulatedUsageMix.heavyTailed)), "
            + "rate_limit \(HumanFormat.decimal(settings.rateLimit))/s, interval \(short(settings.interval.seconds)), "
            + "max_interval \(short(settings.maxInterval.seconds)), changes_every \(short(settings.changesEvery.seconds)), "
            + "a status change every \(short(settings.churnEvery.seconds)); "
            + "\(short(settings.measured.seconds)) measured after \(short(settings.warmUp.seconds)) of warm-up", terminator: "\n\n")
        var results: [Result] = []
        for mode in PollingMode.allCases {
            results.append(try await measure(mode, settings: settings))
        }
        printTable(results)
        return check(results.first { $0.mode == .budgeted }!, all: results, settings: settings)
    }

    private static func measure(_ mode: PollingMode, settings: ScheduleBenchSettings) async throws -> Result {
        let started = ContinuousClock.now
        let run = ScheduleRun(mode: mode, settings: settings)
        let truth = CrossingTruth(devices: await run.fleetAtStart(), settings: settings)
        try await run.run()
        // Not reported by the end of the drain: the delay counts up to there, and as missed.
        let end = settings.warmUp + settings.measured + run.drain
        func delays(_ crossings: [CrossingTruth.Crossing]) -> Delays {
            var values: [Double] = []
            var missed = 0
            for crossing in crossings {
                if let detected = run.crossingDetected[CrossingTruth.key(crossing.iccid, crossing.level)] {
                    values.append(Swift.max(0, (detected - crossing.at).seconds))
                } else {
                    missed += 1
                    values.append((end - crossing.at).seconds)
                }
            }
            return Delays(values, missed: missed)
        }
        let changes = run.statusChanges.filter(\.counted)
        let statusDelays = changes.map { (($0.detected ?? end) - $0.at).seconds }
        let hours = settings.measured.seconds / 3600
        let result = Result(
            mode: mode,
            status: Delays(statusDelays, missed: changes.filter { $0.detected == nil }.count),
            revertedUnseen: run.revertedUnseen,
            steady: delays(truth.crossings.filter(\.steady)), all: delays(truth.crossings),
            longestUnpolled: run.longestUnpolled.seconds,
            usagePerHour: Double(run.usageCallsMeasured) / hours, searchPerHour: Double(run.searchCallsMeasured) / hours,
            busiestHour: run.callsPerHour.max() ?? 0, mostInOneSecond: mostInOneSecond(run.starts),
            wallSeconds: (ContinuousClock.now - started).seconds)
        return result
    }

    /// The most call starts in any one-second window [t, t + 1 s).
    static func mostInOneSecond(_ starts: [Int64]) -> Int {
        var most = 0
        var first = 0
        for (index, start) in starts.enumerated() {
            while starts[first] <= start - 1_000_000_000 { first += 1 }
            most = max(most, index - first + 1)
        }
        return most
    }

    private static func printTable(_ results: [Result]) {
        var rows: [[String]] = [["", "delay p50 / p95 / max"] + results.map(\.mode.rawValue)]
        func row(_ name: String, _ cell: (Result) -> String) { rows.append([name, ""] + results.map(cell)) }
        row("status changes (\(results[0].status.count))") { $0.status.text }
        row("crossings, steady-usage SIMs (\(results[0].steady.count))") { $0.steady.text }
        row("crossings, all SIMs (\(results[0].all.count))") { $0.all.text }
        row("longest time a SIM went unpolled") { short($0.longestUnpolled) }
        row("ctdUsages calls per hour") { String(Int($0.usagePerHour.rounded())) }
        row("Search Devices calls per hour") { String(Int($0.searchPerHour.rounded())) }
        row("calls in the busiest hour") { String($0.busiestHour) }
        row("most calls in one second") { String($0.mostInOneSecond) }
        row("run time (real)") { "\(HumanFormat.decimal(($0.wallSeconds * 10).rounded() / 10)) s" }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for cells in rows {
            let name = cells[0].padding(toLength: widths[0] + 2, withPad: " ", startingAt: 0)
            let values = cells.dropFirst(2).enumerated().map { offset, cell in
                cell.padding(toLength: widths[offset + 2] + 3, withPad: " ", startingAt: 0)
            }
            print(name + values.joined())
        }
        print("(delays: p50 / p95 / max; status changes undone before any pass could see them, not counted: "
            + results.map { "\($0.mode.rawValue) \($0.revertedUnseen)" }.joined(separator: ", ") + ")")
    }

    /// DESIGN.md's targets for the budgeted run; the rate limit for every run. Returns the exit status.
    private static func check(_ budgeted: Result, all results: [Result], settings: ScheduleBenchSettings) -> Int32 {
        let limit = max(1, Int(settings.rateLimit.rounded(.down)))
        var checks: [(String, Bool)] = [
            ("status changes within changes_every + 1 min for every SIM",
             budgeted.status.missed == 0 && budgeted.status.max <= settings.changesEvery.seconds + 60),
            ("steady-usage crossings within 30 min at p95", budgeted.steady.missed == 0 && budgeted.steady.p95 <= 1800),
            ("no SIM unpolled longer than max_interval", budgeted.longestUnpolled <= settings.maxInterval.seconds),
        ]
        for result in results {
            checks.append(("\(result.mode.rawValue): never above \(limit) calls in one second", result.mostInOneSecond <= limit))
        }
        print()
        for (name, met) in checks { print("\(met ? "met    " : "MISSED ") \(name)") }
        return checks.allSatisfy(\.1) ? 0 : 1
    }
}

/// Seconds as people read a delay: `45s`, `2m 5s`, `2h 48m`.
func short(_ seconds: Double) -> String {
    HumanFormat.seconds(Int64(min(max(seconds, 0), 1e15).rounded()))
}
