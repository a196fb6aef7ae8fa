import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchMonitor
@testable import SimWatchState

private typealias F = DetectorFixtures

/// The device rules beside the Detector, one row per case, without an engine.
@Suite("DeviceLedger: baseline, found again, unknown values, observation numbers")
struct DeviceLedgerTests {
    static let rules = DetectionRules(thresholds: [Threshold(metric: .data, level: .absolute(500 * F.megabyte))])
    static let dataKey = Threshold(metric: .data, level: .absolute(500 * F.megabyte)).key

    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var record: DeviceRecord
        var answer: DeviceUsage
        var kinds: [EventKind]
        var observation: Int
        var firedAfter: Set<String>
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "the first answer is a baseline: no change reported", record: DeviceRecord(),
            answer: F.record(status: "DEACTIVATED"), kinds: [], observation: 1, firedAfter: []),
        Row(name: "a baseline already above a threshold fires it (the Detector's rule)", record: DeviceRecord(),
            answer: F.record(data: 900 * F.megabyte), kinds: [.thresholdCrossed], observation: 1, firedAfter: [dataKey]),
        Row(name: "a change after the baseline is reported", record: DeviceRecord(last: F.record(), observation: 1),
            answer: F.record(status: "DEACTIVATED"), kinds: [.statusChanged], observation: 2, firedAfter: []),
        Row(name: "found again is a new baseline: no change reported",
            record: DeviceRecord(last: F.record(), observation: 4, notFound: true),
            answer: F.record(status: "DEACTIVATED"), kinds: [], observation: 5, firedAfter: []),
        Row(name: "found again with a counter gone back re-arms the thresholds",
            record: DeviceRecord(last: F.record(data: 900 * F.megabyte), observation: 4,
                                 thresholds: ThresholdState(fired: [dataKey]), notFound: true),
            answer: F.record(data: 10 * F.megabyte), kinds: [], observation: 5, firedAfter: []),
        Row(name: "found again with counters still up keeps the thresholds fired",
            record: DeviceRecord(last: F.record(data: 900 * F.megabyte), observation: 4,
                                 thresholds: ThresholdState(fired: [dataKey]), notFound: true),
            answer: F.record(data: 950 * F.megabyte), kinds: [], observation: 5, firedAfter: [dataKey]),
        Row(name: "the observation number saturates at Int.max instead of trapping",
            record: DeviceRecord(last: F.record(), observation: .max), answer: F.record(),
            kinds: [], observation: .max, firedAfter: []),
        Row(name: "an unknown status is no change and keeps the last known one",
            record: DeviceRecord(last: F.record(status: "ACTIVATED"), observation: 1),
            answer: F.record(status: nil), kinds: [], observation: 2, firedAfter: []),
    ]

    @Test(arguments: rows)
    func observe(_ row: Row) {
        var record = row.record
        let detection = DeviceLedger.observe(
            row.answer, device: F.named, record: &record, at: F.observedAt, epoch: F.epoch, rules: Self.rules)
        #expect(detection.events.map(\.kind) == row.kinds)
        #expect(record.observation == row.observation)
        #expect(record.thresholds.fired == row.firedAfter)
        #expect(record.notFound == false)
        #expect(record.observedAt == F.observedAt)
    }

    @Test("ACTIVATED, then unknown, then DEACTIVATED is reported: unknown values carry")
    func unknownCarries() {
        var record = DeviceRecord(last: F.record(status: "ACTIVATED"), observation: 1)
        _ = DeviceLedger.observe(F.record(status: ""), device: F.named, record: &record, at: F.observedAt, epoch: F.epoch, rules: Self.rules)
        #expect(record.last?.status == "ACTIVATED")
        let detection = DeviceLedger.observe(
            F.record(status: "DEACTIVATED"), device: F.named, record: &record, at: F.observedAt, epoch: F.epoch, rules: Self.rules)
        #expect(detection.events.map(\.kind) == [.statusChanged])
    }

    @Test("device_not_found is raised once until the device is found again, then again")
    func notFoundOnce() {
        var record = DeviceRecord(last: F.record(), observation: 3)
        #expect(DeviceLedger.notFound(device: F.named, record: &record, at: F.observedAt, epoch: F.epoch)?.kind == .deviceNotFound)
        #expect(DeviceLedger.notFound(device: F.named, record: &record, at: F.observedAt, epoch: F.epoch) == nil)
        _ = DeviceLedger.observe(F.record(), device: F.named, record: &record, at: F.observedAt, epoch: F.epoch, rules: Self.rules)
        #expect(DeviceLedger.notFound(device: F.named, record: &record, at: F.observedAt, epoch: F.epoch)?.kind == .deviceNotFound)
    }

    @Test("a reload re-evaluates thresholds on the last record, not on a missing or lost device")
    func reevaluate() {
        var never = DeviceRecord()
        #expect(DeviceLedger.reevaluate(device: F.named, record: &never, at: F.observedAt, epoch: F.epoch, rules: Self.rules) == nil)
        var lost = DeviceRecord(last: F.record(data: 900 * F.megabyte), notFound: true)
        #expect(DeviceLedger.reevaluate(device: F.named, record: &lost, at: F.observedAt, epoch: F.epoch, rules: Self.rules) == nil)
        var over = DeviceRecord(last: F.record(data: 900 * F.megabyte), observation: 2)
        let detection = DeviceLedger.reevaluate(device: F.named, record: &over, at: F.observedAt, epoch: F.epoch, rules: Self.rules)
        #expect(detection?.events.map(\.kind) == [.thresholdCrossed])
        #expect(over.thresholds.fired == [Self.dataKey])
    }

    @Test("poll_failed once per outage, poll_recovered at its end; counters saturate")
    func cycles() {
        var cycle = Int.max - 1
        var health = Health(consecutiveFailedCycles: .max)
        func finish(_ failure: String?) -> [EventKind] {
            CycleLedger.finish(failure: failure, cycle: &cycle, health: &health, at: F.observedAt, epoch: F.epoch).map(\.kind)
        }
        #expect(finish("down") == [.pollFailed])
        #expect(finish("down") == [])
        #expect(cycle == .max)
        #expect(health.consecutiveFailedCycles == .max)
        #expect(finish(nil) == [.pollRecovered])
        #expect(finish(nil) == [])
        #expect(health.consecutiveFailedCycles == 0)
        #expect(health.lastSuccessfulCycleAt == F.observedAt)
    }
}
