import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchMonitor
@testable import SimWatchState

/// How a SIM's growth rate is learned from its own polls, hostile values included.
@Suite("Budgeted polling: learned usage rates")
struct SchedulingRateTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static func usage(data: Int64?, sms: Int64? = 0, sessions: Int64? = nil) -> DeviceUsage {
        DeviceUsage(iccid: "8988216716970004975", ctdDataUsage: data, ctdSMSUsage: sms, ctdVoiceUsage: 0, ctdSessionCount: sessions)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var previous: UsageRate?
        var last: DeviceUsage?
        var current: DeviceUsage
        var elapsed: TimeInterval
        var expected: [Metric: Int64]?
        var testDescription: String { name }
    }

    static let polled = UsageRate(polledAt: start)
    static let learnedBefore = UsageRate(polledAt: start, perDay: [.data: 1_000_000])

    @Test(arguments: [
        Case(name: "first poll: no rate yet", previous: nil, last: nil, current: usage(data: 5), elapsed: 0, expected: nil),
        Case(name: "second poll: growth per day", previous: polled, last: usage(data: 0), current: usage(data: 1_000),
             elapsed: 3_600, expected: [.data: 24_000]),
        Case(name: "no growth: an empty rate, not an unknown one", previous: polled, last: usage(data: 7),
             current: usage(data: 7), elapsed: 900, expected: [:]),
        Case(name: "averaged with the earlier rate", previous: learnedBefore, last: usage(data: 0),
             current: usage(data: 3_000_000), elapsed: 86_400, expected: [.data: 2_000_000]),
        Case(name: "a counter went down (new cycle): earlier rate kept", previous: learnedBefore,
             last: usage(data: 900_000_000), current: usage(data: 10), elapsed: 900, expected: [.data: 1_000_000]),
        Case(name: "new cycle with no earlier rate stays unknown", previous: polled, last: usage(data: 900),
             current: usage(data: 10), elapsed: 900, expected: nil),
        Case(name: "zero elapsed time: earlier rate kept", previous: learnedBefore, last: usage(data: 0),
             current: usage(data: 5_000), elapsed: 0, expected: [.data: 1_000_000]),
        Case(name: "clock went backwards: earlier rate kept", previous: learnedBefore, last: usage(data: 0),
             current: usage(data: 5_000), elapsed: -3_600, expected: [.data: 1_000_000]),
        Case(name: "0 to Int64.max in a millisecond: bounded to 2^53 a day", previous: polled, last: usage(data: 0),
             current: usage(data: .max), elapsed: 0.001, expected: [.data: UsageRate.maxPerDay]),
        Case(name: "unknown counter in the answer: its earlier rate kept; data averaged with its earlier 0",
             previous: UsageRate(polledAt: start, perDay: [.sessions: 48]), last: usage(data: 0, sessions: 5),
             current: usage(data: 100, sessions: nil), elapsed: 86_400, expected: [.data: 50, .sessions: 48]),
        Case(name: "a file written before rates: observed_at stands in for the last poll", previous: nil,
             last: usage(data: 0), current: usage(data: 86_400), elapsed: 86_400, expected: [.data: 86_400]),
    ])
    func learning(_ test: Case) {
        let rate = UsageRate.learned(
            previous: test.previous, previousPoll: Self.start, last: test.last, current: test.current,
            at: Self.start.addingTimeInterval(test.elapsed))
        #expect(rate.perDay == test.expected)
        #expect(rate.polledAt == Self.start.addingTimeInterval(test.elapsed))
    }

    @Test func aNotFoundAttemptMovesThePollTimeAndKeepsTheRate() {
        let later = Self.start.addingTimeInterval(60)
        #expect(UsageRate.attempted(previous: Self.learnedBefore, at: later) == UsageRate(polledAt: later, perDay: [.data: 1_000_000]))
        #expect(UsageRate.attempted(previous: nil, at: later) == UsageRate(polledAt: later))
    }

    @Test func boundingNeverTraps() {
        #expect(UsageRate.bounded(.nan) == 0)
        #expect(UsageRate.bounded(-1e300) == 0)
        #expect(UsageRate.bounded(.infinity) == UsageRate.maxPerDay)
        #expect(UsageRate.bounded(1e300) == UsageRate.maxPerDay)
        #expect(UsageRate.bounded(2.4) == 2)
    }
}

/// The rate's place in the state file: compact, bounded, and absent from older files.
@Suite("State file: usage rates")
struct StateUsageRateTests {
    static let iccid = "8988216716970004975"

    static func file(device: String) -> [UInt8] {
        Array("""
        {"schema_version":1,"cycle":1,"health":{"consecutive_failed_cycles":0,"poll_failed_raised":false},
         "devices":{"\(iccid)":\(device)},"outbox":[],"dead_letters":[]}
        """.utf8)
    }

    @Test func aFileWrittenBeforeRatesLoadsWithoutThem() throws {
        let state = try StateCodec.decode(Self.file(device: #"{"observation":2,"not_found":false,"thresholds":{"fired":[]}}"#))
        #expect(state.devices[Self.iccid]?.usageRate == nil)
    }

    @Test func aRateIsAFewBytesOnTheDevicesLine() throws {
        let when = Date(timeIntervalSince1970: 1_800_000_000)
        var state = PersistentState()
        state.devices[Self.iccid] = DeviceRecord(observation: 2, usageRate: UsageRate(polledAt: when, perDay: [.data: 1_234, .sms: 5]))
        let text = String(decoding: StateCodec.encode(state), as: UTF8.self)
        #expect(text.contains(#""usage_rate":{"polled_at":"2027-01-15T08:00:00Z","per_day":{"data":1234,"sms":5}}"#))
        #expect(try StateCodec.decode(StateCodec.encode(state)) == state)
    }

    @Test(arguments: [
        #"{"polled_at":"2027-01-15T08:00:00Z","per_day":{"data":-1}}"#,
        #"{"polled_at":"2027-01-15T08:00:00Z","per_day":{"data":9007199254740993}}"#,
        #"{"per_day":{"data":1}}"#,
        #"{"polled_at":"2027-01-15T08:00:00Z","per_day":{"data":1.5}}"#,
    ])
    func anOutOfRangeRateIsACorruptFile(_ rate: String) {
        let device = #"{"observation":2,"not_found":false,"thresholds":{"fired":[]},"usage_rate":"# + rate + "}"
        #expect(throws: StateFormatError.self) { try StateCodec.decode(Self.file(device: device)) }
    }

    @Test func unknownMetricsInARateAreSkipped() throws {
        let device = #"{"observation":2,"not_found":false,"thresholds":{"fired":[]},"usage_rate":{"polled_at":"2027-01-15T08:00:00Z","per_day":{"data":3,"fax":9},"later":1}}"#
        #expect(try StateCodec.decode(Self.file(device: device)).devices[Self.iccid]?.usageRate?.perDay == [.data: 3])
    }
}
