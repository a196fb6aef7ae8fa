import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchMonitor
@testable import SimWatchState

@Suite("EventFactory: ids and daemon-level events")
struct EventFactoryTests {
    typealias F = DetectorFixtures

    static let everyKindRules = DetectionRules(
        thresholds: [
            Threshold(metric: .data, level: .absolute(1)),
            Threshold(metric: .data, level: .percent(50)),
            Threshold(metric: .sms, level: .absolute(1)),
        ],
        plans: ["rp2": PlanAllowance(data: 100)]
    )
    static let before = F.record(data: 500, sms: 9)
    static let after = F.record(
        status: "DEACTIVATED", ratePlan: "rp2", communicationPlan: "CP2", imei: "861234567890123",
        data: 80, sms: 3, overage: true, override: "TEMPORARY_OVERRIDE"
    )

    @Test func idPinsTheFieldLayout() {
        // Computed independently (Python hashlib):
        // sha256("00112233445566778899aabbccddeeff␟8988216716970004975␟status_changed␟s:ACTIVATED␟s:DEACTIVATED␟␟7")[:16]
        let id = EventFactory.eventID(
            epoch: F.epoch, iccid: F.iccid, kind: .statusChanged, previous: .string("ACTIVATED"),
            current: .string("DEACTIVATED"), thresholdKey: nil, sequence: 7
        )
        #expect(id == "8f72d7e90c103efb")
        let event = F.detect(F.record(), F.record(status: "DEACTIVATED"), observation: 7).events.first
        #expect(event?.id == id)
    }

    @Test func idsPinnedForAFixedEpoch() {
        let imei = F.detect(F.record(imei: "A"), F.record(imei: "B"), observation: 3).events.first
        #expect(imei?.kind == .imeiChanged)
        #expect(imei?.id == "66a941c236f21dc2")
        #expect(EventFactory.pollFailed(epoch: F.epoch, cycle: 4, reason: "down", at: F.observedAt).id == "3fca0926c865892e")
    }

    @Test func anotherEpochGivesNewIDs() {
        // The same transition at the same observation number after a state reset.
        let other = "ffeeddccbbaa99887766554433221100"
        let before = F.detect(Self.before, Self.after, rules: Self.everyKindRules, observation: 7).events.map(\.id)
        let after = F.detect(Self.before, Self.after, rules: Self.everyKindRules, observation: 7, epoch: other).events.map(\.id)
        #expect(before.count == after.count)
        #expect(Set(before).isDisjoint(with: after))
        let status = F.detect(F.record(), F.record(status: "DEACTIVATED"), observation: 7, epoch: other).events.first
        #expect(status?.id == "2696b44e10fdc833")
        #expect(EventFactory.pollFailed(epoch: other, cycle: 4, reason: "down", at: F.observedAt).id
            != EventFactory.pollFailed(epoch: F.epoch, cycle: 4, reason: "down", at: F.observedAt).id)
        #expect(EventFactory.deviceNotFound(epoch: other, device: F.named, observation: 3, at: F.observedAt).id
            != EventFactory.deviceNotFound(epoch: F.epoch, device: F.named, observation: 3, at: F.observedAt).id)
    }

    @Test func newEpochsAreRandomHex() {
        let epochs = (0..<100).map { _ in PersistentState.newEpoch() }
        #expect(Set(epochs).count == 100)
        #expect(epochs.allSatisfy { $0.count == 32 && $0.allSatisfy { $0.isHexDigit && !$0.isUppercase } })
    }

    @Test func sameInputGivesTheSameIDs() {
        let first = F.detect(Self.before, Self.after, rules: Self.everyKindRules)
        let again = F.detect(Self.before, Self.after, rules: Self.everyKindRules)
        #expect(first.events.count == 10)
        #expect(first == again)
    }

    @Test func idsDifferPerKindAndThresholdWithinOnePoll() {
        let events = F.detect(Self.before, Self.after, rules: Self.everyKindRules).events
        #expect(Set(events.map(\.id)).count == events.count)
        #expect(events.allSatisfy { $0.id.count == 16 && $0.id.allSatisfy(\.isHexDigit) && $0.id == $0.id.lowercased() })
    }

    @Test func anotherObservationGivesNewIDs() {
        let first = F.detect(Self.before, Self.after, rules: Self.everyKindRules, observation: 2).events.map(\.id)
        let later = F.detect(Self.before, Self.after, rules: Self.everyKindRules, observation: 3).events.map(\.id)
        #expect(first.count == later.count)
        #expect(Set(first).isDisjoint(with: later))
    }

    @Test func everyKindHasItsOwnID() {
        let ids = EventKind.allCases.map {
            EventFactory.eventID(epoch: F.epoch, iccid: F.iccid, kind: $0, previous: nil, current: nil, thresholdKey: nil, sequence: 1)
        }
        #expect(Set(ids).count == EventKind.allCases.count)
    }

    @Test(arguments: [
        (EventValue.string("true"), EventValue.bool(true)),
        (EventValue.string("5"), EventValue.number(5)),
        (EventValue.string(""), nil),
    ])
    func idTellsValueTypesApart(_ one: EventValue, _ other: EventValue?) {
        let ids = [one, other].map {
            EventFactory.eventID(epoch: F.epoch, iccid: F.iccid, kind: .test, previous: $0, current: nil, thresholdKey: nil, sequence: 1)
        }
        #expect(ids[0] != ids[1])
    }

    @Test func idsDifferPerDevice() {
        let other = DeviceEntry(iccid: "89011704252318147060")
        let one = F.detect(F.record(), F.record(status: "DEACTIVATED")).events.map(\.id)
        let two = F.detect(F.record(), F.record(status: "DEACTIVATED"), device: other).events.map(\.id)
        #expect(one != two)
    }

    struct DaemonCase: CustomTestStringConvertible, Sendable {
        var event: Event
        var kind: EventKind
        var severity: Severity
        var summary: String
        var testDescription: String { kind.rawValue }
    }

    static let daemonCases: [DaemonCase] = [
        .init(event: EventFactory.pollFailed(epoch: F.epoch, cycle: 4, reason: "credentials rejected (HTTP 401)", at: F.observedAt),
              kind: .pollFailed, severity: .critical, summary: "simwatch: poll failed: credentials rejected (HTTP 401)"),
        .init(event: EventFactory.pollRecovered(epoch: F.epoch, cycle: 5, at: F.observedAt),
              kind: .pollRecovered, severity: .info, summary: "simwatch: poll recovered: Control Center answers again"),
        .init(event: EventFactory.stateReset(epoch: F.epoch, cycle: 1, corruptPath: "/var/lib/simwatch/state.json.corrupt-20261127T100000Z", at: F.observedAt),
              kind: .stateReset, severity: .warning,
              summary: "simwatch: state file could not be read; kept as /var/lib/simwatch/state.json.corrupt-20261127T100000Z; starting a new baseline"),
        .init(event: EventFactory.test(at: F.observedAt), kind: .test, severity: .info,
              summary: "simwatch test alert: this webhook works, no action needed"),
    ]

    @Test(arguments: daemonCases)
    func daemonEvents(_ testCase: DaemonCase) {
        let event = testCase.event
        #expect(event.kind == testCase.kind)
        #expect(event.severity == testCase.severity)
        #expect(event.summary == testCase.summary)
        #expect(event.iccid == nil && event.device == nil && event.deviceName == nil && event.labels == nil)
        #expect(event.observedAt == F.observedAt)
        #expect(event.id.count == 16)
    }

    @Test func daemonIDsFollowTheCycleNumber() {
        let failed = EventFactory.pollFailed(epoch: F.epoch, cycle: 4, reason: "API unreachable", at: F.observedAt)
        #expect(EventFactory.pollFailed(epoch: F.epoch, cycle: 4, reason: "credentials rejected", at: .distantFuture).id == failed.id)
        #expect(EventFactory.pollFailed(epoch: F.epoch, cycle: 5, reason: "API unreachable", at: F.observedAt).id != failed.id)
        #expect(EventFactory.pollRecovered(epoch: F.epoch, cycle: 4, at: F.observedAt).id != failed.id)
        #expect(EventFactory.stateReset(epoch: F.epoch, cycle: 4, corruptPath: "x", at: F.observedAt).id != failed.id)
    }

    @Test func testAlertsGetNewIDsOverTime() {
        let first = EventFactory.test(at: F.observedAt)
        #expect(EventFactory.test(at: F.observedAt).id == first.id)
        #expect(EventFactory.test(at: F.observedAt.addingTimeInterval(1)).id != first.id)
    }

    @Test func deviceNotFoundNamesTheDevice() {
        let event = EventFactory.deviceNotFound(epoch: F.epoch, device: F.named, observation: 3, at: F.observedAt)
        #expect(event.kind == .deviceNotFound)
        #expect(event.severity == .warning)
        #expect(event.iccid == F.iccid)
        #expect(event.deviceName == "truck-17")
        #expect(event.labels == ["site": "berlin"])
        #expect(event.device == nil)
        #expect(event.summary.hasPrefix("truck-17 (8988216716970004975): ICCID not found in Control Center"))
        #expect(EventFactory.deviceNotFound(epoch: F.epoch, device: F.named, observation: 3, at: .distantPast).id == event.id)
        #expect(EventFactory.deviceNotFound(epoch: F.epoch, device: F.named, observation: 4, at: F.observedAt).id != event.id)
        let unnamed = EventFactory.deviceNotFound(epoch: F.epoch, device: F.unnamed, observation: 3, at: F.observedAt)
        #expect(unnamed.deviceName == nil && unnamed.labels == nil)
        #expect(unnamed.summary.hasPrefix("8988216716970004975: "))
    }

    @Test func eventsEncodeWithDesignKeys() throws {
        let rules = DetectionRules(thresholds: [Threshold(metric: .data, level: .percent(50))], plans: ["rp2": PlanAllowance(data: 100)])
        let event = try #require(F.detect(nil, F.record(ratePlan: "rp2", data: 80), rules: rules).events.first)
        let json = try #require(String(data: JSONEncoder.simwatch().encode(event), encoding: .utf8))
        #expect(json.contains(#""threshold_percent":50"#))
        #expect(json.contains(#""percent_of_plan":80"#))
        #expect(json.contains(#""threshold":50"#))
        #expect(json.contains(#""metric":"data""#))
        #expect(json.contains(#""device_name":"truck-17""#))
    }
}
