import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchMonitor
@testable import SimWatchState

/// Each SIM's due time and the cycle's choice under budgeted polling (DESIGN.md "Fleets at scale").
@Suite("Budgeted polling: due times and the cycle's choice")
struct SchedulingDueTimeTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let poll = PollSettings(interval: .seconds(900), maxInterval: .seconds(86_400))
    static let rules = DetectionRules(
        thresholds: [
            Threshold(metric: .data, level: .absolute(500_000_000)),
            Threshold(metric: .data, level: .percent(80)),
        ],
        plans: ["iot-1GB": PlanAllowance(data: 1_000_000_000), "zero": PlanAllowance(data: 0)])
    static let megabytesPerDay: Int64 = 100_000_000

    static func record(
        data: Int64?, perDay: [Metric: Int64]?, plan: String = "iot-1GB", fired: Set<String> = [], notFound: Bool = false
    ) -> DeviceRecord {
        DeviceRecord(
            last: DeviceUsage(iccid: "8988216716970004975", ratePlan: plan, ctdDataUsage: data), observedAt: start,
            observation: 3, thresholds: ThresholdState(fired: fired), notFound: notFound,
            usageRate: UsageRate(polledAt: start, perDay: perDay))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var record: DeviceRecord
        var poll: PollSettings = SchedulingDueTimeTests.poll
        var spacing: Duration
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "one poll only: a quarter of max_interval", record: record(data: 400_000_000, perDay: nil),
             spacing: .seconds(6 * 3600)),
        Case(name: "no growth: max_interval", record: record(data: 400_000_000, perDay: [:]), spacing: .seconds(86_400)),
        Case(name: "a day from 500MB: half a day", record: record(data: 400_000_000, perDay: [.data: megabytesPerDay]),
             spacing: .seconds(43_200)),
        Case(name: "10MB from 500MB at 100MB a day: 72 minutes",
             record: record(data: 490_000_000, perDay: [.data: megabytesPerDay]), spacing: .seconds(4_320)),
        Case(name: "nearly there: never below the interval",
             record: record(data: 499_999_999, perDay: [.data: megabytesPerDay]), spacing: .seconds(900)),
        Case(name: "2^53 a day: the interval", record: record(data: 0, perDay: [.data: UsageRate.maxPerDay]),
             spacing: .seconds(900)),
        Case(name: "500MB fired: 80 % of plan is next, 4 days away: max_interval",
             record: record(data: 400_000_000, perDay: [.data: megabytesPerDay], fired: ["data>=500000000"]),
             spacing: .seconds(86_400)),
        Case(name: "past every threshold and 100 % of plan: nothing ahead",
             record: record(data: 1_200_000_000, perDay: [.data: megabytesPerDay], fired: ["data>=500000000", "data>=80%"]),
             spacing: .seconds(86_400)),
        Case(name: "100 % of plan counts though no threshold says 100 %",
             record: record(data: 900_000_000, perDay: [.data: megabytesPerDay * 2], fired: ["data>=500000000", "data>=80%"]),
             spacing: .seconds(21_600)),
        Case(name: "plan of 0: percent thresholds and the plan have nothing ahead; 500MB does",
             record: record(data: 450_000_000, perDay: [.data: megabytesPerDay], plan: "zero"), spacing: .seconds(21_600)),
        Case(name: "Int64.max counter: nothing above it", record: record(data: .max, perDay: [.data: megabytesPerDay]),
             spacing: .seconds(86_400)),
        Case(name: "1 byte a day, 500MB away: capped at max_interval", record: record(data: 0, perDay: [.data: 1]),
             spacing: .seconds(86_400)),
        Case(name: "growth in an unwatched metric only: max_interval",
             record: record(data: 400_000_000, perDay: [.sms: 1_000_000]), spacing: .seconds(86_400)),
        Case(name: "not found: a quarter of max_interval", record: record(data: 490_000_000, perDay: [.data: megabytesPerDay],
             notFound: true), spacing: .seconds(6 * 3600)),
        Case(name: "a quarter of a short max_interval is still at least the interval",
             record: record(data: 400_000_000, perDay: nil),
             poll: PollSettings(interval: .seconds(3600), maxInterval: .seconds(7200)), spacing: .seconds(3600)),
    ])
    func spacing(_ test: Case) {
        #expect(DueTime.spacing(test.record, rules: Self.rules, poll: test.poll) == test.spacing)
        #expect(DueTime.due(test.record, rules: Self.rules, poll: test.poll) == Self.start.addingTimeInterval(test.spacing.seconds))
    }

    @Test func neverPolledIsDueAtOnce() {
        #expect(DueTime.due(nil, rules: Self.rules, poll: Self.poll) == nil)
        #expect(DueTime.due(DeviceRecord(), rules: Self.rules, poll: Self.poll) == nil)
        // Seen by the change feed only: a status, no counters.
        let feedOnly = DeviceRecord(last: DeviceUsage(iccid: "8988216716970004975", status: "ACTIVATED"), observedAt: Self.start)
        #expect(DueTime.due(feedOnly, rules: Self.rules, poll: Self.poll) == nil)
    }

    @Test func aFileWrittenBeforeRatesCountsObservedAtAsTheLastPoll() {
        var record = Self.record(data: 1, perDay: nil)
        record.usageRate = nil
        #expect(DueTime.due(record, rules: Self.rules, poll: Self.poll) == Self.start.addingTimeInterval(6 * 3600))
    }

    static func entry(_ suffix: Int) -> DeviceEntry { DeviceEntry(iccid: "89882167169700" + String(10_000 + suffix)) }

    @Test func aFleetWithinTheBudgetIsPolledWholeInItsOwnOrder() {
        let targets = [Self.entry(3), Self.entry(1), Self.entry(2)]
        let plan = PollScheduler.plan(targets: targets, records: [:], rules: Self.rules, poll: Self.poll, budget: 3, now: Self.start)
        #expect(plan == PollPlan(devices: targets, deferred: 0))
    }

    @Test func overTheBudgetTheEarliestDueGoFirstTiesByICCID() {
        let idle = Self.record(data: 1, perDay: [:])                                      // due in 24 h
        let close = Self.record(data: 499_000_000, perDay: [.data: Self.megabytesPerDay]) // due in 15 min
        let onePoll = Self.record(data: 1, perDay: nil)                                   // due in 6 h
        let targets = (1...6).map(Self.entry)
        let records = [
            targets[0].iccid: idle, targets[1].iccid: close, targets[2].iccid: onePoll, targets[3].iccid: close,
            // targets[4] and [5]: never polled
        ]
        let plan = PollScheduler.plan(targets: targets, records: records, rules: Self.rules, poll: Self.poll, budget: 4, now: Self.start)
        #expect(plan.devices == [targets[4], targets[5], targets[1], targets[3]])
        #expect(plan.deferred == 2)
        let more = PollScheduler.plan(targets: targets, records: records, rules: Self.rules, poll: Self.poll, budget: 5, now: Self.start)
        #expect(more.devices.last == targets[2])
        let none = PollScheduler.plan(targets: targets, records: records, rules: Self.rules, poll: Self.poll, budget: 0, now: Self.start)
        #expect(none.devices == [targets[4]])
    }

    @Test func simsWhoseMaxIntervalRunsOutBeforeTheNextCycleGoBeforeCloserOnes() {
        var idle = Self.record(data: 1, perDay: [:])
        // Polled 23.5 h ago: its 24 h run out 30 minutes from now, before the next cycle ends.
        idle.usageRate?.polledAt = Self.start.addingTimeInterval(-23.5 * 3600)
        var lessIdle = idle
        lessIdle.usageRate?.polledAt = Self.start.addingTimeInterval(-23 * 3600)
        let close = Self.record(data: 499_000_000, perDay: [.data: Self.megabytesPerDay])
        let targets = (1...4).map(Self.entry)
        let records = [targets[0].iccid: close, targets[1].iccid: lessIdle, targets[2].iccid: idle, targets[3].iccid: close]
        let plan = PollScheduler.plan(targets: targets, records: records, rules: Self.rules, poll: Self.poll, budget: 2, now: Self.start)
        #expect(plan.devices == [targets[2], targets[0]])
    }

    @Test func statusShowsTheLastPollPlusAnIntervalWhileTheFleetFits() {
        let record = Self.record(data: 1, perDay: [:])
        let fits = PollScheduler.nextDue(record, fleetSize: 10, budget: 10, rules: Self.rules, poll: Self.poll)
        #expect(fits == Self.start.addingTimeInterval(900))
        let budgeted = PollScheduler.nextDue(record, fleetSize: 11, budget: 10, rules: Self.rules, poll: Self.poll)
        #expect(budgeted == Self.start.addingTimeInterval(86_400))
        #expect(PollScheduler.nextDue(nil, fleetSize: 11, budget: 10, rules: Self.rules, poll: Self.poll) == nil)
    }
}

/// B = rate_limit × interval × 0.9 − feed calls, and max_interval's reach.
@Suite("Budgeted polling: the budget")
struct PollBudgetTests {
    @Test func budgetPerInterval() {
        #expect(PollBudget.pollsPerInterval(rateLimit: 5, interval: .seconds(900)) == 4_050)
        #expect(PollBudget.pollsPerInterval(rateLimit: 5, interval: .seconds(900), feedCallsPerInterval: 15) == 4_035)
        #expect(PollBudget.pollsPerInterval(rateLimit: 0.001, interval: .seconds(1)) == 1)
        #expect(PollBudget.pollsPerInterval(rateLimit: 5, interval: .seconds(900), feedCallsPerInterval: Int.max) == 1)
        #expect(PollBudget.pollsPerInterval(rateLimit: 5, interval: .seconds(900), feedCallsPerInterval: -5) == 4_050)
        #expect(PollBudget.pollsPerInterval(rateLimit: 100_000, interval: .seconds(7 * 86_400)) == 54_432_000_000)
        #expect(PollBudget.pollsPerInterval(rateLimit: .nan, interval: .seconds(900)) == 1)
        #expect(PollBudget.pollsPerInterval(rateLimit: .infinity, interval: .seconds(Int64.max)) == 9_000_000_000_000_000)
    }

    @Test func maxIntervalCoverage() {
        #expect(PollBudget.covers(sims: 100_000, rateLimit: 5, maxInterval: .seconds(86_400)))
        #expect(PollBudget.coverageWarning(sims: 100_000, rateLimit: 5, maxInterval: .seconds(86_400)) == nil)
        #expect(!PollBudget.covers(sims: 1_000_000, rateLimit: 5, maxInterval: .seconds(86_400)))
        // 1,000,000 / 4.5 = 222,223 s, rounded up to minutes: 3,704 minutes.
        #expect(PollBudget.shortestMaxInterval(sims: 1_000_000, rateLimit: 5) == .seconds(3_704 * 60))
        let warning = PollBudget.coverageWarning(sims: 1_000_000, rateLimit: 5, maxInterval: .seconds(86_400))
        #expect(warning == "1000000 SIMs at 5 requests/s (90 % planned) cannot all be polled within max_interval 1d: "
            + "some would wait longer; the shortest max_interval that covers them is 2d13h44m")
        let hopeless = PollBudget.coverageWarning(sims: 100_000_000, rateLimit: 1, maxInterval: .seconds(86_400))
        #expect(hopeless?.contains("even the longest max_interval (30d) does not") == true)
        #expect(PollBudget.shortestMaxInterval(sims: Int.max, rateLimit: 0.001) == .seconds(60_000_000_000_000))
    }
}

/// `poll.max_interval` in the configuration.
@Suite("Configuration: poll.max_interval")
struct ConfigMaxIntervalTests {
    @Test func defaultIsADayOrTheIntervalWhenLonger() throws {
        #expect(try loadedConfig(minimalYAML).config.poll.maxInterval == .seconds(86_400))
        #expect(try loadedConfig(minimalYAML + "poll: { interval: 2d }\n").config.poll.maxInterval == .seconds(2 * 86_400))
        #expect(try loadedConfig(minimalYAML + "poll: { max_interval: 6h }\n").config.poll.maxInterval == .seconds(6 * 3600))
    }

    @Test func shorterThanTheIntervalIsAnErrorAtMaxInterval() {
        expectSingleIssue(minimalYAML + "poll: { interval: 1h, max_interval: 30m }\n", line: 6, column: 37,
                          keyPath: "poll.max_interval", message: "max_interval (30m) must be at least interval (1h)")
    }

    @Test func outOfBoundsIsAnError() {
        expectSingleIssue(minimalYAML + "poll: { max_interval: 31d }\n", line: 6, column: 23,
                          keyPath: "poll.max_interval", message: "must be at most 30d")
        expectSingleIssue(minimalYAML + "poll: { max_interval: 0s }\n", line: 6, column: 23,
                          keyPath: "poll.max_interval", message: "must be more than 0")
        expectSingleIssue(minimalYAML + "poll: { max_interval: 9999999999999999999d }\n", line: 6, column: 23,
                          keyPath: "poll.max_interval", message: "is too large")
    }

    @Test func aFleetMaxIntervalCannotCoverIsAWarningNamingTheShortestThatCan() throws {
        let iccids = (0..<20).map { "\"89011704252318147\(String(format: "%03d", $0))\"" }.joined(separator: ", ")
        let yaml = minimalYAML.replacingOccurrences(
            of: "devices: [\"8988216716970004975\"]", with: "devices: [\(iccids)]")
            .replacingOccurrences(of: "  api_key_env: SIMWATCH_API_KEY\n", with: "  api_key_env: SIMWATCH_API_KEY\n  rate_limit: 0.5\n")
            + "poll: { interval: 30s, max_interval: 30s }\nwebhooks: []\n"
        let loaded = try loadedConfig(yaml)
        #expect(loaded.warnings.map(\.description) == [
            "/nonexistent/simwatch.yaml:7:38: warning: poll.max_interval: 20 SIMs at 0.5 requests/s (90 % planned) cannot "
                + "all be polled within max_interval 30s: some would wait longer; the shortest max_interval that covers them is 1m",
        ])
    }
}

/// The budget of a loaded configuration takes the change feed's calls off.
@Suite("Budgeted polling: the budget of a configuration")
struct PollBudgetConfigTests {
    @Test func theFeedsCallsComeOffTheBudget() throws {
        let plain = try loadedConfig(minimalYAML).config
        #expect(PollBudget.pollsPerInterval(for: plain) == 4_050)
        let feed = try loadedConfig(minimalYAML + "fleet: { changes_every: 1m }\n").config
        #expect(PollBudget.pollsPerInterval(for: feed) == 4_035)
        let odd = try loadedConfig(minimalYAML + "poll: { interval: 100s }\nfleet: { changes_every: 30s }\n").config
        // 4 passes start within 100 s (0, 30, 60, 90): 450 − 4.
        #expect(PollBudget.pollsPerInterval(for: odd) == 446)
    }
}
