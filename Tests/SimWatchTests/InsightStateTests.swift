import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchState

/// Spike baselines, projection marks and the activity buckets in the state file.
@Suite("Insight: state file")
struct InsightStateTests {
    static let iccid = "8988216716970004975"

    @Test func marksAndActivityRoundTrip() throws {
        var state = StateFixtures.fullState()
        var record = state.devices[Self.iccid] ?? DeviceRecord(observation: 1)
        record.insight = InsightMarks(
            spikes: [.data: SpikeBaseline(perHour: 1234.5, rates: 7, spikedAt: StateFixtures.now), .sms: SpikeBaseline(perHour: 0.3, rates: 3)],
            projected: [.data], projectedCycleStart: StateFixtures.now)
        state.devices[Self.iccid] = record
        state.activity.record(events: [.statusChanged, .statusChanged, .usageSpike], at: StateFixtures.now)
        state.activity.recordCycle(at: StateFixtures.now)
        state.activity.recordFailedPoll(at: StateFixtures.now)
        state.activity.lastDigestAt = StateFixtures.now
        let bytes = StateCodec.encode(state)
        let decoded = try StateCodec.decode(bytes)
        #expect(decoded == state)
        let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first { $0.contains("\"\(Self.iccid)\"") } ?? ""
        #expect(line.contains(#""insight":{"spikes":{"data":{"per_hour":1234.5,"rates":7,"spiked_at":"2026-11-27T10:00:00Z"},"#))
    }

    @Test func aDeviceWithoutMarksWritesNoInsightKey() {
        var state = PersistentState(epoch: "e")
        state.devices[Self.iccid] = DeviceRecord(observation: 1)
        #expect(!String(decoding: StateCodec.encode(state), as: UTF8.self).contains("\"spikes\""))
    }

    static let corrupt: [String] = [
        #"{"spikes":{"data":{"per_hour":-1,"rates":3}}}"#,
        #"{"spikes":{"data":{"per_hour":1e999,"rates":3}}}"#,
        #"{"spikes":{"data":{"per_hour":"NaN","rates":3}}}"#,
        #"{"spikes":{"data":{"per_hour":1,"rates":1001}}}"#,
        #"{"spikes":{"data":{"per_hour":1,"rates":3,"spiked_at":"99999-01-01T00:00:00Z"}}}"#,
    ]

    @Test("out-of-range marks make the file corrupt", arguments: corrupt)
    func outOfRange(_ insight: String) {
        let text = """
            {"schema_version": 1, "cycle": 1, "health": {"consecutive_failed_cycles": 0, "poll_failed_raised": false},
             "devices": {"\(Self.iccid)": {"observation": 1, "not_found": false, "thresholds": {"fired": []}, "insight": \(insight)}},
             "outbox": [], "dead_letters": []}
            """
        #expect(throws: JSONFormatError.self) { try StateCodec.decode(Array(text.utf8)) }
    }

    @Test func activityCountsTheLast24HoursAndForgetsOlderBuckets() {
        var log = ActivityLog()
        let now = StateFixtures.now
        for hoursAgo in [30, 23, 5, 0] {
            log.recordCycle(at: now.addingTimeInterval(-Double(hoursAgo) * 3600))
        }
        log.record(events: [.thresholdCrossed], at: now.addingTimeInterval(-25 * 3600))
        log.record(events: [.thresholdCrossed, .cycleReset], at: now)
        let totals = log.totals(before: now)
        #expect(totals.cycles == 3)
        #expect(totals.events == ["threshold_crossed": 1, "cycle_reset": 1])
        #expect(log.hours.count <= ActivityLog.keptHours)
        #expect(log.hours.map(\.hour) == log.hours.map(\.hour).sorted())
    }
}
