import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchMonitor
@testable import SimWatchState

/// Flapping: the pure rule over a device's record, its history in the state file, and its
/// events in the formats.
@Suite("Noise: flapping")
struct NoiseFlappingTests {
    typealias F = DetectorFixtures
    static let start = F.observedAt
    static let rules = DetectionRules(flapping: FlappingSettings())

    /// One step of a device's life: `offset` seconds after `start`, with this status and overage flag.
    struct Step {
        var offset: TimeInterval
        var status: String
        var overage = false
    }

    /// Observes each step in turn through `DeviceLedger`, as the engine does; the raised and damped events per step.
    static func run(_ steps: [Step], rules: DetectionRules = rules, record: inout DeviceRecord) -> [(raised: [ExpectedEvent], damped: Int)] {
        steps.map { step in
            let detection = DeviceLedger.observe(
                F.record(status: step.status, overage: step.overage), device: F.named, record: &record,
                at: start + step.offset, epoch: F.epoch, rules: rules)
            return (detection.events.map(ExpectedEvent.init), detection.damped.count)
        }
    }

    static func flips(_ count: Int, every seconds: TimeInterval) -> [Step] {
        [Step(offset: 0, status: "ACTIVATED")] + (1...count).map {
            Step(offset: TimeInterval($0) * seconds, status: $0 % 2 == 1 ? "DEACTIVATED" : "ACTIVATED")
        }
    }

    @Test func sixFlipsInTenMinutesGiveOneFlappingAndOnceStableOneFlappingEnded() {
        var record = DeviceRecord()
        let results = Self.run(Self.flips(6, every: 100), record: &record)
        let raised = results.flatMap(\.raised)
        #expect(raised.filter { $0.kind == .statusChanged }.count == 3, "the changes before the count was reached")
        #expect(raised.filter { $0.kind == .flapping } == [ExpectedEvent(.flapping, .warning, nil, .string("ACTIVATED"))])
        #expect(results[4].raised.map(\.kind) == [.flapping], "the flapping replaces the change that reached the count")
        #expect(results.map(\.damped) == [0, 0, 0, 0, 0, 1, 1])
        #expect(record.flapping?.status?.flappingSince == Self.start + 400)

        // Stable, but not yet for an hour since the last change at 600 s: nothing.
        let settledEarly = DeviceLedger.settleFlapping(
            device: F.named, record: &record, at: Self.start + 600 + 3599, epoch: F.epoch, rules: Self.rules)
        #expect(settledEarly.isEmpty)
        let ended = DeviceLedger.settleFlapping(
            device: F.named, record: &record, at: Self.start + 600 + 3600, epoch: F.epoch, rules: Self.rules)
        #expect(ended.map(ExpectedEvent.init) == [ExpectedEvent(.flappingEnded, .info, .string("ACTIVATED"), .string("ACTIVATED"))])
        #expect(record.flapping == nil, "the history is forgotten once it ended")
        // A change after that is a plain change again.
        #expect(Self.run([Step(offset: 7200, status: "DEACTIVATED")], record: &record).first?.raised.map(\.kind) == [.statusChanged])
    }

    @Test func theFlappingEventCarriesItsCountAndWindow() {
        var record = DeviceRecord()
        var flapping: Event?
        for step in Self.flips(4, every: 60) {
            let detection = DeviceLedger.observe(
                F.record(status: step.status), device: F.named, record: &record, at: Self.start + step.offset, epoch: F.epoch,
                rules: Self.rules)
            flapping = detection.events.first { $0.kind == .flapping } ?? flapping
        }
        let event = try! #require(flapping)
        #expect(event.changes == 4 && event.within == 3600 && event.current == .string("ACTIVATED") && event.previous == nil)
        #expect(event.summary.contains("truck-17 (\(F.iccid)): status flapping: 4 changes within 1h"))
    }

    @Test("the stable-again check at an observation", arguments: [
        // (seconds after the last flip, status then, expected events)
        (3599.0, "ACTIVATED", [ExpectedEvent]()),
        (3600.0, "ACTIVATED", [ExpectedEvent(.flappingEnded, .info, .string("DEACTIVATED"), .string("ACTIVATED"))]),
        // A change after a stable hour ends the flapping first (at the value it was stable at), then counts anew.
        (3600.0, "DEACTIVATED", [
            ExpectedEvent(.flappingEnded, .info, .string("DEACTIVATED"), .string("ACTIVATED")),
            ExpectedEvent(.statusChanged, .critical, .string("ACTIVATED"), .string("DEACTIVATED")),
        ]),
    ])
    func stableAgain(_ after: TimeInterval, _ status: String, _ expected: [ExpectedEvent]) {
        var record = DeviceRecord()
        // Starts DEACTIVATED, so the first counted change's previous value is DEACTIVATED; five flips, ACTIVATED at 50 s.
        let statuses = ["DEACTIVATED", "ACTIVATED", "DEACTIVATED", "ACTIVATED", "DEACTIVATED", "ACTIVATED"]
        let steps: [Step] = statuses.enumerated().map { index, status in Step(offset: TimeInterval(index * 10), status: status) }
        _ = Self.run(steps, record: &record)
        #expect(Self.run([Step(offset: 50 + after, status: status)], record: &record).first?.raised == expected)
    }

    @Test func changesOutsideTheWindowDoNotCount() {
        var record = DeviceRecord()
        let results = Self.run(Self.flips(8, every: 1200), record: &record)
        #expect(results.flatMap(\.raised).allSatisfy { $0.kind == .statusChanged })
        #expect(results.allSatisfy { $0.damped == 0 })
        #expect((record.flapping?.status?.changes.count ?? 0) <= 3)
    }

    @Test func theOverageFlagFlapsOnItsOwn() {
        var record = DeviceRecord()
        let steps = (0...5).map { Step(offset: TimeInterval($0) * 60, status: "ACTIVATED", overage: $0 % 2 == 1) }
        let raised = Self.run(steps, record: &record).flatMap(\.raised)
        #expect(raised.map(\.kind) == [.overageLimitChanged, .overageLimitChanged, .overageLimitChanged, .flapping])
        #expect(raised.last?.current == .bool(false))
        #expect(record.flapping?.status == nil && record.flapping?.overage?.flappingSince != nil)
    }

    @Test func changesFromTheFeedCountAndAreDampedToo() {
        var record = DeviceRecord()
        _ = Self.run(Self.flips(3, every: 60), record: &record)
        // A listing: the feed updated the stored record, then hands its change to the rule.
        record.last?.status = "ACTIVATED"
        record.observation += 1
        let change = Event(
            id: "f", kind: .statusChanged, severity: .warning, iccid: F.iccid, observedAt: Self.start + 200, summary: "s",
            previous: .string("DEACTIVATED"), current: .string("ACTIVATED"))
        let fourth = DeviceLedger.dampFlapping(
            [change], device: F.named, record: &record, at: Self.start + 200, epoch: F.epoch, rules: Self.rules)
        #expect(fourth.events.map(\.kind) == [.flapping] && fourth.damped.isEmpty)
        let fifth = DeviceLedger.dampFlapping(
            [change], device: F.named, record: &record, at: Self.start + 230, epoch: F.epoch, rules: Self.rules)
        #expect(fifth.events.isEmpty && fifth.damped.map(\.id) == ["f"])
    }

    @Test func offForgetsTheHistory() {
        var record = DeviceRecord()
        _ = Self.run(Self.flips(5, every: 60), record: &record)
        #expect(record.flapping != nil)
        let results = Self.run([Step(offset: 400, status: "ACTIVATED")], rules: DetectionRules(), record: &record)
        #expect(results.first?.raised.map(\.kind) == [.statusChanged])
        #expect(record.flapping == nil)
    }

    @Test func theHistorySurvivesTheStateFile() throws {
        var record = DeviceRecord()
        _ = Self.run(Self.flips(5, every: 60), record: &record)
        let state = PersistentState(epoch: F.epoch, devices: [F.iccid: record])
        let read = try StateCodec.decode(StateCodec.encode(state))
        #expect(read.devices[F.iccid]?.flapping == record.flapping)
        #expect(read.devices[F.iccid]?.flapping?.status?.before == .string("ACTIVATED"))
        let text = String(decoding: StateCodec.encode(state), as: UTF8.self)
        #expect(text.components(separatedBy: "\n").filter { $0.contains(F.iccid) }.count == 1, "one line per device")
    }

    @Test func aHostileHistoryIsACorruptFile() {
        let changes = (0...1000).map { _ in #"{"at":"2026-01-01T00:00:00Z","previous":"A"}"# }.joined(separator: ",")
        let text = """
            {"schema_version":1,"epoch":"e","cycle":1,"health":{"consecutive_failed_cycles":0,"poll_failed_raised":false},
             "devices":{"\(F.iccid)":{"observation":1,"not_found":false,"thresholds":{"fired":[]},
               "flapping":{"status":{"changes":[\(changes)]}}}},"outbox":[],"dead_letters":[]}
            """
        #expect(throws: StateFormatError.self) { try StateCodec.decode(Array(text.utf8)) }
    }

    // MARK: Formats

    static let flapping = Event(
        id: "1111111111111111", kind: .flapping, severity: .warning, iccid: F.iccid, deviceName: "truck-17",
        observedAt: F.observedAt, summary: "truck-17 (\(F.iccid)): status flapping", current: .string("DEACTIVATED"))
    static let ended = Event(
        id: "2222222222222222", kind: .flappingEnded, severity: .info, iccid: F.iccid, deviceName: "truck-17",
        observedAt: F.observedAt, summary: "truck-17 (\(F.iccid)): status stable", previous: .string("ACTIVATED"),
        current: .string("DEACTIVATED"))

    @Test func alertmanagerResolvesSimwatchFlappingWithTheFiringLabels() {
        let firing = AlertmanagerFormatter.labels(Self.flapping)
        let resolving = AlertmanagerFormatter.labels(Self.ended)
        #expect(firing.first?.value == "SimwatchFlapping")
        #expect(resolving.map(\.name) == firing.map(\.name) && resolving.map(\.value) == firing.map(\.value))
        #expect(AlertText.isClearing(Self.ended) && !AlertText.isClearing(Self.flapping))
    }

    @Test func pagerDutySharesOneDedupKeyForThePair() {
        #expect(PagerDutyFormatter.dedupKey(for: Self.flapping) == "simwatch/flapping/\(F.iccid)")
        #expect(PagerDutyFormatter.dedupKey(for: Self.ended) == "simwatch/flapping/\(F.iccid)")
        #expect(PagerDutyFormatter.isResolve(Self.ended))
    }

    @Test func theGenericBodyCarriesChangesAndWithin() throws {
        var event = Self.flapping
        event.changes = 4
        event.within = 3600
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.simwatch().encode(event)) as? [String: Any])
        #expect(object["changes"] as? Int == 4 && object["within"] as? Int == 3600)
    }
}
