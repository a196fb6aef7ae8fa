import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchMonitor

@Suite("Detector: changes between two observations")
struct DetectorChangeTests {
    typealias F = DetectorFixtures

    struct ChangeCase: CustomTestStringConvertible, Sendable {
        var name: String
        var previous: DeviceUsage
        var current: DeviceUsage
        var expected: [ExpectedEvent]
        var testDescription: String { name }
    }

    static let cases: [ChangeCase] = [
        .init(name: "nothing changed", previous: F.record(), current: F.record(), expected: []),
        .init(name: "counters rose", previous: F.record(data: 5, sms: 1, voice: 3, sessions: 1),
              current: F.record(data: 9, sms: 2, voice: 60, sessions: 4), expected: []),
        .init(name: "status to DEACTIVATED", previous: F.record(), current: F.record(status: "DEACTIVATED"),
              expected: [.init(.statusChanged, .critical, .string("ACTIVATED"), .string("DEACTIVATED"))]),
        .init(name: "status to RETIRED", previous: F.record(), current: F.record(status: "RETIRED"),
              expected: [.init(.statusChanged, .critical, .string("ACTIVATED"), .string("RETIRED"))]),
        .init(name: "status to PURGED", previous: F.record(), current: F.record(status: "PURGED"),
              expected: [.init(.statusChanged, .critical, .string("ACTIVATED"), .string("PURGED"))]),
        .init(name: "status to INVENTORY", previous: F.record(), current: F.record(status: "INVENTORY"),
              expected: [.init(.statusChanged, .warning, .string("ACTIVATED"), .string("INVENTORY"))]),
        .init(name: "status back to ACTIVATED", previous: F.record(status: "DEACTIVATED"), current: F.record(),
              expected: [.init(.statusChanged, .warning, .string("DEACTIVATED"), .string("ACTIVATED"))]),
        .init(name: "unknown new status", previous: F.record(), current: F.record(status: "SUSPENDED_BY_OPS"),
              expected: [.init(.statusChanged, .warning, .string("ACTIVATED"), .string("SUSPENDED_BY_OPS"))]),
        .init(name: "from an unknown status", previous: F.record(status: "SUSPENDED_BY_OPS"), current: F.record(),
              expected: [.init(.statusChanged, .warning, .string("SUSPENDED_BY_OPS"), .string("ACTIVATED"))]),
        .init(name: "status case matters", previous: F.record(status: "deactivated"), current: F.record(status: "DEACTIVATED"),
              expected: [.init(.statusChanged, .critical, .string("deactivated"), .string("DEACTIVATED"))]),
        .init(name: "status missing now", previous: F.record(), current: F.record(status: nil), expected: []),
        .init(name: "status missing before", previous: F.record(status: nil),
              current: F.record(status: "DEACTIVATED"), expected: []),
        .init(name: "status empty before", previous: F.record(status: ""), current: F.record(), expected: []),
        .init(name: "overage reached", previous: F.record(), current: F.record(overage: true),
              expected: [.init(.overageLimitChanged, .critical, .bool(false), .bool(true))]),
        .init(name: "overage cleared", previous: F.record(overage: true), current: F.record(),
              expected: [.init(.overageLimitChanged, .info, .bool(true), .bool(false))]),
        .init(name: "overage unknown before", previous: F.record(overage: nil), current: F.record(overage: true), expected: []),
        .init(name: "overage unknown now", previous: F.record(overage: true), current: F.record(overage: nil), expected: []),
        .init(name: "override changed", previous: F.record(), current: F.record(override: "TEMPORARY_OVERRIDE"),
              expected: [.init(.overageOverrideChanged, .info, .string("DEFAULT"), .string("TEMPORARY_OVERRIDE"))]),
        .init(name: "override unknown now", previous: F.record(), current: F.record(override: nil), expected: []),
        .init(name: "rate plan changed", previous: F.record(), current: F.record(ratePlan: "hphlr rp2"),
              expected: [.init(.ratePlanChanged, .info, .string("hphlr rp1"), .string("hphlr rp2"))]),
        .init(name: "rate plan unknown now", previous: F.record(), current: F.record(ratePlan: nil), expected: []),
        .init(name: "communication plan changed", previous: F.record(), current: F.record(communicationPlan: "CP2"),
              expected: [.init(.communicationPlanChanged, .info, .string("CP1"), .string("CP2"))]),
        .init(name: "IMEI changed", previous: F.record(), current: F.record(imei: "861234567890123"),
              expected: [.init(.imeiChanged, .critical, .string("351756051523999"), .string("861234567890123"))]),
        .init(name: "IMEI from empty", previous: F.record(imei: ""), current: F.record(), expected: []),
        .init(name: "IMEI to empty", previous: F.record(), current: F.record(imei: ""), expected: []),
        .init(name: "IMEI from missing", previous: F.record(imei: nil), current: F.record(), expected: []),
        .init(name: "IMEI to missing", previous: F.record(), current: F.record(imei: nil), expected: []),
        .init(name: "session count becomes known", previous: F.record(sessions: nil), current: F.record(sessions: 3), expected: []),
        .init(name: "session count becomes null", previous: F.record(sessions: 3), current: F.record(sessions: nil), expected: []),
        .init(name: "data counter becomes null", previous: F.record(data: 900), current: F.record(data: nil), expected: []),
        .init(name: "data dropped", previous: F.record(data: 1_200_000_000), current: F.record(data: 3_400_000),
              expected: [.init(.cycleReset, .info, .number(1_200_000_000), .number(3_400_000))]),
        .init(name: "only sms dropped", previous: F.record(data: 5, sms: 40), current: F.record(data: 7, sms: 2),
              expected: [.init(.cycleReset, .info, .number(40), .number(2))]),
        .init(name: "only sessions dropped", previous: F.record(sessions: 9), current: F.record(sessions: 1),
              expected: [.init(.cycleReset, .info, .number(9), .number(1))]),
        .init(name: "voice and sessions dropped: one event for voice",
              previous: F.record(voice: 600, sessions: 9), current: F.record(voice: 0, sessions: 0),
              expected: [.init(.cycleReset, .info, .number(600), .number(0))]),
        .init(name: "everything at once, in table order",
              previous: F.record(data: 50),
              current: F.record(status: "DEACTIVATED", ratePlan: "rp2", communicationPlan: "CP2", imei: "861234567890123",
                                data: 0, overage: true, override: "PERMANENT_OVERRIDE"),
              expected: [
                  .init(.statusChanged, .critical, .string("ACTIVATED"), .string("DEACTIVATED")),
                  .init(.overageLimitChanged, .critical, .bool(false), .bool(true)),
                  .init(.overageOverrideChanged, .info, .string("DEFAULT"), .string("PERMANENT_OVERRIDE")),
                  .init(.ratePlanChanged, .info, .string("hphlr rp1"), .string("rp2")),
                  .init(.communicationPlanChanged, .info, .string("CP1"), .string("CP2")),
                  .init(.imeiChanged, .critical, .string("351756051523999"), .string("861234567890123")),
                  .init(.cycleReset, .info, .number(50), .number(0)),
              ]),
    ]

    @Test(arguments: cases)
    func detectsChanges(_ testCase: ChangeCase) {
        let detection = F.detect(testCase.previous, testCase.current)
        #expect(detection.events.map(ExpectedEvent.init) == testCase.expected)
        #expect(detection.plansWithoutAllowance.isEmpty)
    }

    @Test(arguments: [
        (F.record(data: 900, sms: 5), F.record(data: 100, sms: 1), Metric.data),
        (F.record(data: nil, sms: 5, voice: 60), F.record(data: 100, sms: 1, voice: 0), Metric.sms),
        (F.record(voice: 60, sessions: nil), F.record(voice: 30, sessions: 0), Metric.voice),
        (F.record(sessions: 4), F.record(sessions: 0), Metric.sessions),
    ])
    func cycleResetNamesTheFirstDroppedCounter(previous: DeviceUsage, current: DeviceUsage, metric: Metric) throws {
        let events = F.detect(previous, current).events
        #expect(events.count == 1)
        let reset = try #require(events.first)
        #expect(reset.kind == .cycleReset)
        #expect(reset.metric == metric)
        #expect(reset.previous == previous.counter(metric).map(EventValue.number))
        #expect(reset.current == current.counter(metric).map(EventValue.number))
    }

    @Test func baselineRaisesNoChangeEvents() {
        let wild = F.record(status: "DEACTIVATED", imei: "861234567890123", data: 0, overage: true, override: "X")
        let detection = F.detect(nil, wild)
        #expect(detection.events.isEmpty)
        #expect(detection.thresholdState == ThresholdState())
    }

    @Test func thresholdStateIsKeptWhenNothingFires() {
        let state = ThresholdState(fired: ["data>=500000000"])
        #expect(F.detect(F.record(data: 600), F.record(data: 700), state: state).thresholdState == state)
    }

    @Test func cycleResetClearsStoredThresholdsEvenWithoutRules() {
        let state = ThresholdState(fired: ["data>=500000000", "sms>=10"])
        let detection = F.detect(F.record(data: 600), F.record(data: 10), state: state)
        #expect(detection.thresholdState.fired.isEmpty)
    }

    @Test(arguments: [
        (F.record(), F.record(status: "DEACTIVATED"), "truck-17 (8988216716970004975): status ACTIVATED -> DEACTIVATED"),
        (F.record(), F.record(overage: true), "truck-17 (8988216716970004975): overage limit reached"),
        (F.record(overage: true), F.record(), "truck-17 (8988216716970004975): overage limit cleared"),
        (F.record(), F.record(override: "TEMPORARY_OVERRIDE"),
         "truck-17 (8988216716970004975): overage override DEFAULT -> TEMPORARY_OVERRIDE"),
        (F.record(), F.record(ratePlan: "big"), "truck-17 (8988216716970004975): rate plan hphlr rp1 -> big"),
        (F.record(), F.record(communicationPlan: "CP2"), "truck-17 (8988216716970004975): communication plan CP1 -> CP2"),
        (F.record(), F.record(imei: "861234567890123"),
         "truck-17 (8988216716970004975): IMEI 351756051523999 -> 861234567890123 (SIM moved to another device)"),
        (F.record(data: 1_200_000_000), F.record(data: 3_400_000),
         "truck-17 (8988216716970004975): new billing cycle (data 1.2 GB -> 3.4 MB)"),
        (F.record(sms: 12), F.record(sms: 0), "truck-17 (8988216716970004975): new billing cycle (12 SMS -> 0 SMS)"),
    ])
    func summaries(previous: DeviceUsage, current: DeviceUsage, summary: String) {
        #expect(F.detect(previous, current).events.map(\.summary) == [summary])
    }

    @Test func namedDeviceCarriesNameLabelsAndRecord() throws {
        let current = F.record(status: "DEACTIVATED")
        let event = try #require(F.detect(F.record(), current).events.first)
        #expect(event.iccid == F.iccid)
        #expect(event.deviceName == "truck-17")
        #expect(event.labels == ["site": "berlin"])
        #expect(event.device == current)
        #expect(event.observedAt == F.observedAt)
    }

    @Test(arguments: [
        F.unnamed,
        DeviceEntry(iccid: F.iccid, name: "", labels: [:]),
    ])
    func unconfiguredNameAndLabelsAreOmitted(device: DeviceEntry) throws {
        let event = try #require(F.detect(F.record(), F.record(status: "DEACTIVATED"), device: device).events.first)
        #expect(event.deviceName == nil)
        #expect(event.labels == nil)
        #expect(event.summary == "8988216716970004975: status ACTIVATED -> DEACTIVATED")
    }
}
