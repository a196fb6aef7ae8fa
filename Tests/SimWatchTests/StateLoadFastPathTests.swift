import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchState

/// The load's fast paths (shared ICCID strings, metric names matched on bytes, plain
/// decimals and repeated dates made without a String, strings scanned eight bytes at a
/// time) give what the slow paths gave, and hostile values are still refused by key.
@Suite("State file load fast paths")
struct StateLoadFastPathTests {
    static let head = #"{"schema_version":1,"cycle":1,"health":{"consecutive_failed_cycles":0,"poll_failed_raised":false},"#
        + #""outbox":[],"dead_letters":[],"devices":{"#

    /// A file whose one device has `members` after its required keys.
    static func file(device members: String, iccid: String = "8988216716970004975") -> [UInt8] {
        Array((head + #""\#(iccid)":{"observation":1,"not_found":false,"thresholds":{"fired":[]}"# + members + "}}}").utf8)
    }

    /// A daemon's record after a few cycles, with every kind of insight and rate it writes.
    static func dailyState(devices count: Int) -> PersistentState {
        var state = PersistentState(cycle: 5)
        let polled = Date(timeIntervalSince1970: 1_795_773_600)
        for index in 0..<count {
            let iccid = "8988216716" + String(970_000_000 + index)
            var record = DeviceRecord(
                last: DeviceUsage(iccid: iccid, imsi: "2040431" + String(10_000_000 + index), status: "ACTIVATED"),
                observedAt: polled.addingTimeInterval(Double(index % 3)), observation: 5,
                usageRate: UsageRate(polledAt: polled, perDay: index % 4 == 0 ? [.data: Int64(index), .voice: 7] : [:]))
            var marks = InsightMarks()
            marks.spikes[.data] = SpikeBaseline(perHour: [0, 1250.5, 1.0 / 3, 1e-7, 123_456_789_012.25][index % 5], rates: 4,
                                                spikedAt: index % 7 == 0 ? polled : nil)
            if index % 9 == 0 {
                marks.projected = [.data, .sessions]
                marks.projectedCycleStart = polled
            }
            record.insight = marks
            state.devices[iccid] = record
        }
        return state
    }

    @Test func aDevicesKeyAndItsLastICCIDAreOneString() throws {
        let state = Self.dailyState(devices: 300)
        let bytes = StateCodec.encode(state)
        for loaded in [try StateCodec.decode(bytes), try StateCodec.decode(bytes, chunkBytes: 1_000)] {
            #expect(loaded == state)
            for (key, record) in loaded.devices {
                #expect(key.utf8.count > 15, "a long ICCID, stored out of line")
                #expect(stringStorage(key) == stringStorage(record.last?.iccid), "\(key)")
            }
        }
    }

    /// Records key on the strings the caller holds (the configuration's), not on copies:
    /// each ICCID it knows is one string in memory, however it is loaded.
    @Test func recordsKeyOnTheCallersOwnICCIDs() throws {
        let state = Self.dailyState(devices: 200)
        let bytes = StateCodec.encode(state)
        let unknown = try #require(state.devices.keys.min())
        let held = Set(state.devices.keys.filter { $0 != unknown }.map(separateCopy))
        let known = KnownICCIDs { iccid in held.firstIndex(of: iccid).map { held[$0] } }
        for chunkBytes in [1_000, 1 << 20] {
            let loaded = try StateCodec.decode(bytes, chunkBytes: chunkBytes, knownICCIDs: known)
            #expect(loaded == state)
            for (key, record) in loaded.devices {
                let mine = held.firstIndex(of: key).map { held[$0] }
                #expect((mine == nil) == (key == unknown))
                if let mine { #expect(stringStorage(key) == stringStorage(mine), "\(key)") }
                #expect(stringStorage(record.last?.iccid) == stringStorage(key), "\(key)")
            }
        }
    }

    /// A `last.iccid` unlike its key (a hand-edited file) keeps its own text.
    @Test func aDifferentICCIDInLastStaysItsOwn() throws {
        let bytes = Self.file(device: #","last":{"iccid":"8988216716970009999"}"#)
        #expect(try StateCodec.decode(bytes).devices["8988216716970004975"]?.last?.iccid == "8988216716970009999")
    }

    @Test func metricKeysMatchTheRawValues() throws {
        for metric in Metric.allCases {
            let bytes = Self.file(device: #","usage_rate":{"polled_at":"2026-11-27T10:00:00Z","per_day":{"\#(metric.rawValue)":5,"datas":1,"":2}},"#
                                  + #""insight":{"spikes":{"\#(metric.rawValue)":{"per_hour":1,"rates":3},"Data":{}},"projected":["\#(metric.rawValue)","\u0064ata","x"]}"#)
            let record = try #require(try StateCodec.decode(bytes).devices.first?.value)
            #expect(record.usageRate?.perDay == [metric: 5])
            #expect(record.insight.spikes[metric] == SpikeBaseline(perHour: 1, rates: 3))
            #expect(Metric.allCases.filter { record.insight.spikes[$0] != nil } == [metric])
            #expect(Metric.allCases.filter { record.insight.projected.contains($0) } == Metric.allCases.filter { $0 == metric || $0 == .data },
                    "an escaped name is the same name")
        }
    }

    @Test(arguments: ["0", "-0", "1250.5", "0.041666666666666664", "123456789012345", "1234567890123456", "0.1", "0.30000000000000004",
                      "1e30", "2.5E-3", "0.000001", "9007199254740993", "999999999999999.9", "1.7976931348623157e308", "0.0000000000000000000000001"])
    func decimalsReadAsDoubleReadsThem(text: String) throws {
        let bytes = Array(text.utf8)
        let value = try bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(bytes: buffer)
            return try scanner.readDouble()
        }
        let expected = try #require(Double(text))
        #expect(value.bitPattern == expected.bitPattern, "\(text)")
    }

    @Test(arguments: [
        (#""per_hour":-0.5"#, "insight.spikes.per_hour"), (#""per_hour":1e31"#, "insight.spikes.per_hour"),
        (#""per_hour":1e400"#, "insight.spikes.per_hour"), (#""per_hour":01.5"#, "expected ','"), (#""per_hour":1."#, "decimal point"),
        (#""rates":1001"#, "insight.spikes.rates"), (#""rates":-1"#, "insight.spikes.rates"), (#""rates":1.5"#, "whole number"),
    ])
    func hostileBaselinesAreRefusedByKey(member: String, reason: String) {
        let bytes = Self.file(device: #","insight":{"spikes":{"data":{"# + member + "}}}")
        #expect {
            try StateCodec.decode(bytes)
        } throws: { error in
            String(describing: error).contains(reason)
        }
    }

    @Test func repeatedAndChangingDatesReadRight() throws {
        let dates = ["2026-11-27T10:00:00Z", "2026-11-27T10:00:00Z", "2026-11-27T10:00:01Z", #"2026-11-27T10:00:01\u005a"#,
                     "2026-11-27T10:00:00+01:00", "2026-11-27T10:00:00Z"]
        let text = "[" + dates.map { "\"" + $0 + "\"" }.joined(separator: ",") + "]"
        let read = try Array(text.utf8).withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(bytes: buffer)
            var array = try scanner.beginArray()
            var read: [TimeInterval] = []
            while try scanner.nextElement(&array) { read.append(try scanner.readDate().timeIntervalSince1970) }
            return read
        }
        let base = 1_795_773_600.0
        #expect(read == [base, base, base + 1, base + 1, base - 3_600, base])
    }

    @Test func aBadDateAfterAGoodOneIsStillRefused() {
        let bytes = Self.file(device: #","observed_at":"2026-11-27T10:00:00Z","usage_rate":{"polled_at":"2026-11-27T10:00:00X"}"#)
        #expect {
            try StateCodec.decode(bytes)
        } throws: { error in
            String(describing: error).contains("expected a date")
        }
    }

    /// Each special byte at each offset of a long string: found, whatever its place in an eight-byte step.
    @Test(arguments: 0..<20)
    func specialBytesAreFoundAtEveryOffset(offset: Int) throws {
        let prefix = String(repeating: "a", count: offset)
        for (escaped, decoded) in [(#"\""#, "\""), (#"\\"#, "\\"), (#"\u0001"#, "\u{01}"), ("é", "é"), ("\u{7F}", "\u{7F}")] {
            let text = "\"" + prefix + escaped + "bcdefghijklmnop\""
            let value = try Array(text.utf8).withUnsafeBufferPointer { buffer in
                var scanner = JSONScanner(bytes: buffer)
                return try scanner.readString()
            }
            #expect(value == prefix + decoded + "bcdefghijklmnop")
        }
        let raw = Array(("\"" + prefix).utf8) + [0x0A] + Array("bcdefghijklmnop\"".utf8)
        #expect {
            try raw.withUnsafeBufferPointer { buffer in
                var scanner = JSONScanner(bytes: buffer)
                return try scanner.readString()
            }
        } throws: { error in
            String(describing: error) == "line 1, column \(offset + 2): control character in a string"
        }
    }

    /// Keys tried in the order this build writes them: any other spelling of the same line
    /// (order, whitespace, escapes, look-alike keys) still reads the same record.
    @Test(arguments: [
        #"{"observation":5,"observed_at":"2026-11-27T10:00:00Z","not_found":true,"thresholds":{"fired":["a"]},"usage_rate":{"polled_at":"2026-11-27T10:00:00Z","per_day":{"sms":2}},"insight":{"spikes":{"sms":{"per_hour":2.5,"rates":4}},"projected":[]},"last":{"iccid":"1","status":"ACTIVATED","ctdSMSUsage":3}}"#,
        #"{ "observation" : 5 , "observed_at":"2026-11-27T10:00:00Z","not_found" :true,"thresholds":{"fired":["a"]},"usage_rate":{"per_day":{"sms":2},"polled_at":"2026-11-27T10:00:00Z"},"insight":{"projected":[],"spikes":{"sms":{"rates":4,"per_hour":2.5}}},"last":{"status":"ACTIVATED","iccid":"1","ctdSMSUsage":3}}"#,
        #"{"last":{"ctdSMSUsage":3,"iccid":"1","statusX":"x","status":"ACTIVATED"},"observ\u0061tion":5,"not_found":true,"observationX":7,"thresholds":{"fired":["a"]},"observed_at":"2026-11-27T10:00:00Z","insight":{"spikes":{"sms":{"per_hour":2.5,"rates":4}}},"usage_rate":{"polled_at":"2026-11-27T10:00:00Z","per_day":{"sms":2}}}"#,
        #"{"observation":1,"observation":5,"observed_at":"2026-11-27T10:00:00Z","not_found":true,"thresholds":{"fired":["a"]},"usage_rate":{"polled_at":"2026-11-27T10:00:00Z","per_day":{"sms":2}},"insight":{"spikes":{"sms":{"per_hour":2.5,"rates":4}},"projected":[]},"last":{"iccid":"1","status":"ACTIVATED","ctdSMSUsage":3}}"#,
    ])
    func anySpellingOfALineReadsTheSameRecord(line: String) throws {
        let bytes = Array((Self.head + #""1":"# + line + "}}").utf8)
        let record = try #require(try StateCodec.decode(bytes).devices["1"])
        var expected = DeviceRecord(
            last: DeviceUsage(iccid: "1", status: "ACTIVATED", ctdSMSUsage: 3), observedAt: Date(timeIntervalSince1970: 1_795_773_600),
            observation: 5, thresholds: ThresholdState(fired: ["a"]), notFound: true,
            usageRate: UsageRate(polledAt: Date(timeIntervalSince1970: 1_795_773_600), perDay: [.sms: 2]))
        var marks = InsightMarks()
        marks.spikes[.sms] = SpikeBaseline(perHour: 2.5, rates: 4)
        expected.insight = marks
        #expect(record == expected)
    }

    /// A line cut short where a tried key would be is reported, not read past its end.
    @Test(arguments: [#"{"observation""#, #"{"observation":1,"#, #"{"observation":1,"observed_at"#, #"{"obs"#, "{"])
    func aLineCutShortIsRefused(line: String) {
        let bytes = Array((Self.head + #""1":"# + line).utf8)
        #expect(throws: StateFormatError.self) { try StateCodec.decode(bytes) }
        #expect(throws: StateCodec.DecodeFailure.self) { try StateCodec.decode(bytes, chunkBytes: 7) }
    }

    /// The eight-bytes-at-a-time comparison behind `Key.matches`, `takeKey` and the shared
    /// ICCID: every length around a word, and a difference at every position.
    @Test func equalBytesComparesEveryByte() {
        for count in 0...20 {
            let left = (0..<count).map { UInt8(0x30 + $0) }
            #expect(JSONScanner.equalBytes(left, left.map { $0 }, count: count))
            for position in 0..<count {
                var right = left
                right[position] ^= 0x01
                #expect(!JSONScanner.equalBytes(left, right, count: count), "length \(count), byte \(position)")
            }
        }
    }

    /// The reader fills the record's fields itself: keys in another order, repeated ones
    /// (the last wins), nulls and a flapping history give what the public setters give.
    @Test func aRecordReadInAnyOrderIsTheOneItsSettersMake() throws {
        let at = Date(timeIntervalSince1970: 1_795_773_600)
        var expected = DeviceRecord(last: DeviceUsage(iccid: "8988216716970004975", status: "ACTIVATED"),
                                    observation: 3, thresholds: ThresholdState(fired: ["data:90"]), notFound: true,
                                    usageRate: UsageRate(polledAt: at))
        expected.flapping = FlapHistory(status: FlapTrack(changes: [FlapChange(at: at, previous: .string("ACTIVATED"))]))
        var marks = InsightMarks()
        marks.spikes[.sms] = SpikeBaseline(perHour: 2, rates: 1)
        expected.insight = marks
        let flapping = String(decoding: try JSONEncoder.simwatch().encode(expected.flapping), as: UTF8.self)
        let text = Self.head + #""8988216716970004975":{"last":{"status":"ACTIVATED","iccid":"8988216716970004975"},"#
            + #""insight":{"projected":[],"spikes":{"sms":{"rates":1,"per_hour":2}}},"usage_rate":{"polled_at":"2026-11-27T10:00:00Z"},"#
            + #""flapping":\#(flapping),"observed_at":null,"thresholds":{"fired":["data:90"]},"not_found":true,"#
            + #""observation":1,"observation":3}}}"#
        let loaded = try StateCodec.decode(Array(text.utf8))
        #expect(loaded.devices["8988216716970004975"] == expected)
        let lacking = text.replacingOccurrences(of: #""not_found":true,"#, with: "")
        #expect(throws: StateFormatError.self) { try StateCodec.decode(Array(lacking.utf8)) }
    }
}
