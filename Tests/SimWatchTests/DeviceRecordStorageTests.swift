import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchState

/// `DeviceRecord` keeps its fields in a shared box: it must still behave as a plain value.
@Suite struct DeviceRecordStorageTests {
    static let at = Date(timeIntervalSince1970: 1_796_000_000)

    /// A record with every field set, nested ones included.
    static func full() -> DeviceRecord {
        var record = DeviceRecord(
            last: DeviceUsage(
                iccid: "8988216716970004975", imsi: "204043110000001", msisdn: "882000000001", imei: "351000000000007",
                status: "ACTIVATION_READY", ratePlan: "hphlr rp1 with a long name", communicationPlan: "CP_Basic",
                ctdDataUsage: 812_300_000, ctdSMSUsage: 3, ctdVoiceUsage: 125, ctdSessionCount: 9,
                overageLimitReached: true, overageLimitOverride: "TEMPORARY_OVERRIDE"),
            observedAt: at, observation: 42, thresholds: ThresholdState(fired: ["data>=80%", "sms>=10"]), notFound: true,
            usageRate: UsageRate(polledAt: at.addingTimeInterval(-60), perDay: [.data: 1_000, .sms: 2]))
        record.flapping = FlapHistory(
            status: FlapTrack(changes: [FlapChange(at: at, previous: .string("ACTIVATED"))], flappingSince: at,
                              before: .string("DEACTIVATED")),
            overage: FlapTrack(changes: [FlapChange(at: at, previous: .bool(false))]))
        record.insight = InsightMarks(spikes: [.data: SpikeBaseline(perHour: 12.5, rates: 3, spikedAt: at)],
                                      projected: [.sms], projectedCycleStart: at)
        return record
    }

    @Test func writingToACopyLeavesTheOriginalAlone() {
        let original = Self.full()
        var copy = original
        #expect(copy.sharesStorage(with: original), "a copy is a retain until it is written to")
        copy.last?.ctdDataUsage = 1
        copy.thresholds.fired.insert("voice>=50%")
        copy.flapping?.status?.changes.removeAll()
        copy.usageRate?.perDay?[.voice] = 7
        copy.insight.spikes[.data]?.rates = 99
        copy.observation += 1
        copy.notFound = false
        copy.observedAt = nil
        #expect(!copy.sharesStorage(with: original))
        #expect(original == Self.full(), "every nested field of the original is as it was")
        #expect(original.last?.ctdDataUsage == 812_300_000)
        #expect(original.thresholds.fired == ["data>=80%", "sms>=10"])
        #expect(original.flapping?.status?.changes.count == 1)
        #expect(original.usageRate?.perDay?[.voice] == nil)
        #expect(original.insight.spikes[.data]?.rates == 3)
        #expect(copy.last?.ctdDataUsage == 1 && copy.observation == 43 && copy.insight.spikes[.data]?.rates == 99)
    }

    @Test func aRecordInADictionaryIsWrittenInPlaceAndItsSnapshotKeepsTheOldValue() {
        var devices = ["a": Self.full()]
        let snapshot = devices
        devices["a"]?.observation = 1
        devices["a"]?.last?.status = "DEACTIVATED"
        #expect(snapshot["a"] == Self.full())
        #expect(devices["a"]?.observation == 1 && devices["a"]?.last?.status == "DEACTIVATED")
    }

    @Test func equalityAndHashAreFieldWise() {
        let one = Self.full(), other = Self.full()
        #expect(!one.sharesStorage(with: other))
        #expect(one == other && one.hashValue == other.hashValue)
        #expect(Set([one, other]).count == 1)
        for change in [
            { (record: inout DeviceRecord) in record.last?.imei = "" },
            { $0.observedAt = Self.at.addingTimeInterval(1) },
            { $0.observation = 41 },
            { $0.thresholds.fired.remove("sms>=10") },
            { $0.notFound = false },
            { $0.flapping = nil },
            { $0.usageRate?.polledAt = Self.at },
            { $0.insight.projected = [] },
        ] as [(inout DeviceRecord) -> Void] {
            var changed = Self.full()
            change(&changed)
            #expect(changed != one)
        }
        #expect(DeviceRecord() == DeviceRecord())
    }

    @Test func codableJSONIsWhatTheStoredFieldsWrote() throws {
        let record = Self.full()
        let encoder = JSONEncoder.simwatch()
        let json = try encoder.encode(record)
        #expect(json == (try encoder.encode(FieldWiseRecord(record))))
        #expect(String(decoding: json, as: UTF8.self).hasPrefix(#"{"flapping":{"overage":{"changes":[{"at":"#))
        // `insight` is the state codec's alone (it was never part of Codable).
        var decoded = try JSONDecoder.simwatch().decode(DeviceRecord.self, from: json)
        #expect(decoded.insight.isEmpty)
        decoded.insight = record.insight
        #expect(decoded == record)
        let old = try JSONDecoder.simwatch().decode(FieldWiseRecord.self, from: json)
        #expect(old.observation == 42 && old.last == record.last && old.flapping == record.flapping)
    }

    @Test func theStateCodecWritesAndReadsItAsBefore() throws {
        var state = PersistentState()
        state.devices["8988216716970004975"] = Self.full()
        let bytes = StateCodec.encode(state)
        #expect(try StateCodec.decode(bytes) == state)
    }

    @Test func usageJSONIsWhatTheStoredFieldsWroteInTheSameOrder() throws {
        let full = try #require(Self.full().last)
        let sparse = DeviceUsage(iccid: "8988216716970004975", ctdSMSUsage: 0, overageLimitReached: false)
        for usage in [full, sparse, DeviceUsage(iccid: "1")] {
            // An unsorted encoder's key order is its own (not the declaration's): only sorted bytes compare.
            for encoder in [JSONEncoder.simwatch(), JSONEncoder.simwatch(pretty: true)] {
                #expect(try encoder.encode(usage) == encoder.encode(FieldWiseUsage(usage)))
            }
            #expect(try JSONDecoder().decode(DeviceUsage.self, from: JSONEncoder().encode(usage)) == usage)
        }
        let answer = Data(#"{"iccid":"1","ctdDataUsage":null,"ctdSessionCount":7,"overageLimitReached":true,"imei":""}"#.utf8)
        let decoded = try JSONDecoder().decode(DeviceUsage.self, from: answer)
        #expect(decoded == DeviceUsage(iccid: "1", imei: "", ctdSessionCount: 7, overageLimitReached: true))
        #expect(decoded.ctdDataUsage == nil && decoded.ctdSMSUsage == nil && decoded.overageLimitReached == true)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(DeviceUsage.self, from: Data(#"{"iccid":"1","ctdSMSUsage":"3"}"#.utf8))
        }
    }

    @Test func usagePrintsAsItsFields() {
        let usage = DeviceUsage(iccid: "1", status: "ACTIVATED", ctdSMSUsage: 3, overageLimitReached: false)
        #expect("\(usage)" == #"DeviceUsage(iccid: "1", imsi: nil, msisdn: nil, imei: nil, status: Optional("ACTIVATED"), "#
            + #"ratePlan: nil, communicationPlan: nil, ctdDataUsage: nil, ctdSMSUsage: Optional(3), ctdVoiceUsage: nil, "#
            + #"ctdSessionCount: nil, overageLimitReached: Optional(false), overageLimitOverride: nil)"#)
    }

    @Test func clearingACounterOrTheFlagIsEqualToNeverHavingIt() {
        var usage = DeviceUsage(iccid: "1", ctdDataUsage: 5, ctdVoiceUsage: -3, overageLimitReached: false)
        #expect(usage.ctdDataUsage == 5 && usage.ctdVoiceUsage == -3 && usage.overageLimitReached == false)
        usage.ctdDataUsage = nil
        usage.overageLimitReached = true
        #expect(usage.overageLimitReached == true)
        usage.overageLimitReached = nil
        usage.ctdVoiceUsage = nil
        #expect(usage == DeviceUsage(iccid: "1") && usage.hashValue == DeviceUsage(iccid: "1").hashValue)
        usage.ctdSessionCount = .max
        #expect(usage.ctdSessionCount == .max && usage.ctdSMSUsage == nil)
    }

    @Test func aDictionarySlotIsOnePointer() {
        // Eight strings, four counters and a byte of flags; the box's fields fit a 256-byte allocation.
        #expect(MemoryLayout<DeviceUsage>.size <= 161)
        #expect(MemoryLayout<DeviceRecord.Fields>.size <= 232)
        #expect(MemoryLayout<DeviceRecord>.size == MemoryLayout<Int>.size)
        #expect(MemoryLayout<DeviceRecord?>.size == MemoryLayout<Int>.size)
    }
}

/// `DeviceRecord` as it was before its box: the stored fields, synthesized Codable, the same keys.
private struct FieldWiseRecord: Codable {
    var last: DeviceUsage?
    var observedAt: Date?
    var observation: Int
    var thresholds: ThresholdState
    var notFound: Bool
    var flapping: FlapHistory?
    var usageRate: UsageRate?

    init(_ record: DeviceRecord) {
        last = record.last
        observedAt = record.observedAt
        observation = record.observation
        thresholds = record.thresholds
        notFound = record.notFound
        flapping = record.flapping
        usageRate = record.usageRate
    }

    enum CodingKeys: String, CodingKey {
        case last, observation, thresholds, flapping
        case observedAt = "observed_at"
        case notFound = "not_found"
        case usageRate = "usage_rate"
    }
}

/// `DeviceUsage` as it was before its counters were packed, with synthesized Codable.
private struct FieldWiseUsage: Codable {
    var iccid: String
    var imsi: String?
    var msisdn: String?
    var imei: String?
    var status: String?
    var ratePlan: String?
    var communicationPlan: String?
    var ctdDataUsage: Int64?
    var ctdSMSUsage: Int64?
    var ctdVoiceUsage: Int64?
    var ctdSessionCount: Int64?
    var overageLimitReached: Bool?
    var overageLimitOverride: String?

    init(_ usage: DeviceUsage) {
        iccid = usage.iccid
        imsi = usage.imsi
        msisdn = usage.msisdn
        imei = usage.imei
        status = usage.status
        ratePlan = usage.ratePlan
        communicationPlan = usage.communicationPlan
        ctdDataUsage = usage.ctdDataUsage
        ctdSMSUsage = usage.ctdSMSUsage
        ctdVoiceUsage = usage.ctdVoiceUsage
        ctdSessionCount = usage.ctdSessionCount
        overageLimitReached = usage.overageLimitReached
        overageLimitOverride = usage.overageLimitOverride
    }
}
