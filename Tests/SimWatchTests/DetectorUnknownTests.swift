import Foundation
import Logging
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchMonitor

/// DESIGN.md "Unknown values": a missing, `null` or empty value never changes the stored
/// record, and the next known value is judged against the last known one.
@Suite("Detector: unknown values carry for every field")
struct DetectorUnknownTests {
    typealias F = DetectorFixtures

    struct Run: CustomTestStringConvertible, Sendable {
        var name: String
        var records: [DeviceUsage]
        /// Events of the last observation; the ones before raise nothing.
        var expected: [ExpectedEvent]
        var testDescription: String { name }
    }

    static let sequences: [Run] = [
        .init(name: "status ACTIVATED -> \"\" -> DEACTIVATED",
              records: [F.record(), F.record(status: ""), F.record(status: "DEACTIVATED")],
              expected: [.init(.statusChanged, .critical, .string("ACTIVATED"), .string("DEACTIVATED"))]),
        .init(name: "status ACTIVATED -> null -> DEACTIVATED",
              records: [F.record(), F.record(status: nil), F.record(status: "DEACTIVATED")],
              expected: [.init(.statusChanged, .critical, .string("ACTIVATED"), .string("DEACTIVATED"))]),
        .init(name: "status ACTIVATED -> blank -> blank -> TEST_READY",
              records: [F.record(), F.record(status: " "), F.record(status: "\t"), F.record(status: "TEST_READY")],
              expected: [.init(.statusChanged, .warning, .string("ACTIVATED"), .string("TEST_READY"))]),
        .init(name: "status ACTIVATED -> \"\" -> ACTIVATED is no change",
              records: [F.record(), F.record(status: ""), F.record()], expected: []),
        .init(name: "status unknown at the baseline, then known: no change",
              records: [F.record(status: nil), F.record(status: "ACTIVATED")], expected: []),
        .init(name: "IMEI A -> \"\" -> B",
              records: [F.record(imei: "351756051523999"), F.record(imei: ""), F.record(imei: "861234567890123")],
              expected: [.init(.imeiChanged, .critical, .string("351756051523999"), .string("861234567890123"))]),
        .init(name: "IMEI A -> null -> A is no change",
              records: [F.record(imei: "351756051523999"), F.record(imei: nil), F.record(imei: "351756051523999")],
              expected: []),
        .init(name: "rate plan rp1 -> \"\" -> rp2",
              records: [F.record(), F.record(ratePlan: ""), F.record(ratePlan: "rp2")],
              expected: [.init(.ratePlanChanged, .info, .string("hphlr rp1"), .string("rp2"))]),
        .init(name: "communication plan CP1 -> null -> CP2",
              records: [F.record(), F.record(communicationPlan: nil), F.record(communicationPlan: "CP2")],
              expected: [.init(.communicationPlanChanged, .info, .string("CP1"), .string("CP2"))]),
        .init(name: "override DEFAULT -> \"\" -> TEMPORARY_OVERRIDE",
              records: [F.record(), F.record(override: ""), F.record(override: "TEMPORARY_OVERRIDE")],
              expected: [.init(.overageOverrideChanged, .info, .string("DEFAULT"), .string("TEMPORARY_OVERRIDE"))]),
        .init(name: "overage true -> null -> false clears",
              records: [F.record(overage: true), F.record(overage: nil), F.record(overage: false)],
              expected: [.init(.overageLimitChanged, .info, .bool(true), .bool(false))]),
        .init(name: "overage false -> null -> null -> true",
              records: [F.record(overage: false), F.record(overage: nil), F.record(overage: nil), F.record(overage: true)],
              expected: [.init(.overageLimitChanged, .critical, .bool(false), .bool(true))]),
        .init(name: "data 600 -> null -> 100 is a new cycle",
              records: [F.record(data: 600), F.record(data: nil), F.record(data: 100)],
              expected: [.init(.cycleReset, .info, .number(600), .number(100))]),
        .init(name: "sessions 5 -> null -> 5 is nothing",
              records: [F.record(sessions: 5), F.record(sessions: nil), F.record(sessions: 5)], expected: []),
        .init(name: "everything unknown for a poll, then every field changed",
              records: [
                  F.record(data: 50),
                  DeviceUsage(iccid: F.iccid, imei: "", status: "", ratePlan: "", communicationPlan: "", overageLimitOverride: ""),
                  F.record(status: "DEACTIVATED", ratePlan: "rp2", communicationPlan: "CP2", imei: "861234567890123",
                           data: 0, overage: true, override: "PERMANENT_OVERRIDE"),
              ],
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

    @Test(arguments: sequences)
    func carriesTheLastKnownValue(_ sequence: Run) {
        let detections = F.observeSequence(sequence.records, rules: DetectionRules())
        for detection in detections.dropLast() {
            #expect(detection.events.isEmpty)
        }
        #expect(detections.last?.events.map(ExpectedEvent.init) == sequence.expected)
    }

    /// The same sequences through the engine, which stores what the Detector judges against.
    @Test(arguments: sequences)
    func theEngineStoresTheLastKnownValue(_ sequence: Run) async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let device = F.named
        let config = Config(
            path: "test.yaml",
            controlCenter: ControlCenterSettings(baseURL: "https://cc.example.com", username: "u", apiKey: Secret("k")),
            stateFile: folder.statePath, devices: [device])
        let engine = MonitorEngine(config: config, logger: Logger(label: "test"), now: { F.observedAt })
        try await engine.start()
        var last: [Event] = []
        for (index, record) in sequence.records.enumerated() {
            last = await engine.recordUsage(record, for: device)
            if index < sequence.records.count - 1 { #expect(last.isEmpty, "observation \(index + 1)") }
        }
        #expect(last.map(ExpectedEvent.init) == sequence.expected)
        // Events carry the record as received, not the merged one.
        if let event = last.first { #expect(event.device == sequence.records.last) }
    }

    @Test func storedRecordKeepsEachKnownField() {
        let known = F.record(data: 10, sms: 2, voice: 3, sessions: 4, overage: true)
        let blank = DeviceUsage(iccid: F.iccid, imsi: "", msisdn: " ", imei: "", status: "", ratePlan: "",
                                communicationPlan: "", overageLimitOverride: "")
        #expect(blank.keepingKnownValues(of: known) == known)
        let changed = F.record(status: "DEACTIVATED", imei: "", data: nil, overage: nil)
        var expected = changed
        expected.imei = known.imei
        expected.ctdDataUsage = 10
        expected.overageLimitReached = true
        #expect(changed.keepingKnownValues(of: known) == expected)
        #expect(blank.keepingKnownValues(of: nil) == blank)
    }
}

/// `Detector.known`'s byte fast path must agree with the Character walk it short-cuts.
@Suite("Detector: what counts as a known string")
struct DetectorKnownValueTests {
    @Test(arguments: [
        ("", false), (" ", false), ("\t\r\n ", false), ("\u{00A0}", false), ("\u{2003}\u{3000}", false),
        ("\u{85}", false), ("A", true), ("ACTIVATED", true), (" ACTIVATED", true), ("~", true),
        ("\u{7F}", true), ("é", true), ("e\u{0301}", true), ("\u{0301}", true), ("!\u{0301}", true),
        ("\u{00A0}x", true), ("\u{1F600}", true),
    ] as [(String, Bool)])
    func knownMeansNotOnlyWhitespace(value: String, known: Bool) {
        #expect((Detector.known(value) != nil) == known)
        #expect((Detector.known(value) != nil) == !value.allSatisfy(\.isWhitespace))
    }

    @Test func nilIsUnknown() {
        #expect(Detector.known(nil) == nil)
    }
}
