import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchMonitor
@testable import SimWatchState

@Suite("State file format")
struct StateCodecTests {
    @Test("every field survives encode and decode")
    func roundTripEveryField() throws {
        let state = StateFixtures.fullState()
        let decoded = try StateCodec.decode(StateCodec.encode(state))
        #expect(decoded == state)
    }

    @Test("an empty state round-trips")
    func roundTripEmpty() throws {
        let state = PersistentState()
        #expect(try StateCodec.decode(StateCodec.encode(state)) == state)
    }

    @Test("the hand-written file is the JSON Foundation's Codable reads, and the reverse")
    func sameFormatAsCodable() throws {
        let state = StateFixtures.fullState()
        let viaFoundation = try JSONDecoder.simwatch().decode(PersistentState.self, from: Data(StateCodec.encode(state)))
        #expect(viaFoundation == state)
        let foundationBytes = try JSONEncoder.simwatch(pretty: true).encode(state)
        #expect(try StateCodec.decode(Array(foundationBytes)) == state)
    }

    @Test("the codec knows every field of DeviceUsage")
    func deviceUsageFieldsKnown() {
        // StateCodec writes DeviceUsage by hand: a new field must be added there too.
        #expect(Mirror(reflecting: DeviceUsage(iccid: "1")).children.count == 13)
    }

    @Test("one line per device, sorted by ICCID, schema_version first")
    func layoutIsForPeople() throws {
        let text = String(decoding: StateCodec.encode(StateFixtures.fullState()), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[1] == "  \"schema_version\": 1,")
        let deviceLines = lines.filter { $0.hasPrefix("    \"89") }
        #expect(deviceLines.count == 3)
        #expect(deviceLines == deviceLines.sorted())
        #expect(deviceLines[0].contains("\"observation\":1,"))
    }

    @Test("no key anywhere in the file looks like a URL, key, token or secret")
    func noSecretLikeKeys() throws {
        let object = try JSONSerialization.jsonObject(with: Data(StateCodec.encode(StateFixtures.fullState())))
        var keys: Set<String> = []
        func collect(_ value: Any) {
            if let dictionary = value as? [String: Any] {
                for (key, inner) in dictionary {
                    keys.insert(key)
                    collect(inner)
                }
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(object)
        #expect(keys.contains("pending_webhooks"))
        for key in keys {
            let lowered = key.lowercased()
            for word in ["url", "key", "token", "secret", "password"] {
                #expect(!lowered.contains(word), "key \(key) looks secret")
            }
        }
    }

    @Test("a hand-edited file loads: other key order, whitespace, nulls, unknown keys, escapes")
    func handEditedFileLoads() throws {
        let text = """
        {"outbox":[],"dead_letters":[],"future":{"a":[1,2.5e3,true,null,"x"]},
         "devices":{"8988\\u0032": {"thresholds":{"fired":["sms>=10"],"extra":1},"not_found":true,
            "last":{"iccid":"89882","ctdSessionCount":null,"status":"A\\"B\\u00fc\\ud83d\\ude9a","note":"x"},
            "observed_at":"2026-11-27T11:00:00.500+01:00","observation":3}},
         "health":{"consecutive_failed_cycles":0,"poll_failed_raised":false},
         "cycle":7,"schema_version":1}
        """
        let state = try StateCodec.decode(Array(text.utf8))
        let record = try #require(state.devices["89882"])
        #expect(state.cycle == 7)
        #expect(record.observation == 3)
        #expect(record.notFound)
        #expect(record.thresholds.fired == ["sms>=10"])
        #expect(record.observedAt == StateFixtures.now.addingTimeInterval(0.5))
        #expect(record.last == DeviceUsage(iccid: "89882", status: "A\"Bü🚚"))
    }

    @Test("dates are written in whole seconds, UTC")
    func datesWholeSeconds() throws {
        var state = PersistentState()
        state.health.lastSuccessfulCycleAt = StateFixtures.now.addingTimeInterval(0.75)
        state.devices["1"] = DeviceRecord(observedAt: Date(timeIntervalSince1970: -0.5))
        let bytes = StateCodec.encode(state)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"2026-11-27T10:00:00Z\""))
        #expect(text.contains("\"1969-12-31T23:59:59Z\""))
        let decoded = try StateCodec.decode(bytes)
        #expect(decoded.devices["1"]?.observedAt == Date(timeIntervalSince1970: -1))
    }

    @Test("civil date conversion matches Foundation's calendar from 1600 to 2370")
    func civilDates() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        // Foundation's calendar is Julian before 1582, so the comparison starts after that.
        for days in stride(from: -135_000, through: 146_097, by: 997) {
            let date = Date(timeIntervalSince1970: Double(days) * 86_400 + 3_723)
            let expected = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let fields = StateDateFormat.fields(date)
            #expect([fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second]
                == [expected.year, expected.month, expected.day, expected.hour, expected.minute, expected.second])
            #expect(StateDateFormat.epochSeconds(fields) == days * 86_400 + 3_723)
        }
        #expect(StateDateFormat.compactUTC(StateFixtures.now) == "20261127T100000Z")
    }

    @Test("unusable contents are rejected with a position", arguments: [
        ("", "line 1, column 1"),
        ("garbage", "line 1, column 1"),
        ("{\n  \"schema_version\": 1,\n  \"cycle\": 1.5", "line 3, column 12"),
        ("{\"schema_version\": 1, \"cycle\": 1, \"devices\": {\"1\": {\"observation\": 1}}, \"health\": {}, \"outbox\": [], \"dead_letters\": []}", "lacks"),
        ("{\"schema_version\": 2, \"cycle\": 1}", "newer simwatch"),
        ("{\"cycle\": 1}", "schema_version"),
        ("{\"schema_version\": 1} {}", "after the end"),
        ("{\"schema_version\": 1, \"cycle\": 99999999999999999999}", "too large"),
        ("{\"schema_version\": 1, \"cycle\": 1, \"devices\": {}, \"health\": {\"consecutive_failed_cycles\": \"x\"}, \"outbox\": [], \"dead_letters\": []}", "\"health\" is not valid"),
        ("{\"schema_version\": 1, \"cycle\": 1, \"devices\": {\"1\": {\"observation\": 1, \"observed_at\": \"yesterday\"}}}", "expected a date"),
        ("{\"schema_version\": 1, \"a\": \"\\ud800\"}", "surrogate"),
        ("{\"schema_version\": 1, \"a\": [1,]}", "expected a value"),
    ])
    func rejectsUnusable(text: String, message: String) {
        #expect {
            try StateCodec.decode(Array(text.utf8))
        } throws: { error in
            (error as? StateFormatError)?.description.contains(message) == true
        }
    }

    @Test("a truncated file is rejected wherever it is cut")
    func rejectsTruncated() {
        let bytes = StateCodec.encode(StateFixtures.fullState())
        for length in stride(from: 0, to: bytes.count - 1, by: 7) {
            #expect(throws: StateFormatError.self) { try StateCodec.decode(Array(bytes[..<length])) }
        }
    }

    @Test("a non-finite percentage does not stop the state from saving")
    func nonFiniteFloats() throws {
        var state = PersistentState()
        var event = StateFixtures.event(id: "dddddddddddddddd")
        event.percentOfPlan = .infinity
        event.thresholdPercent = -.infinity
        state.enqueue([event], webhooks: ["chat"], at: StateFixtures.now)
        let decoded = try StateCodec.decode(StateCodec.encode(state))
        #expect(decoded.outbox.first?.event.percentOfPlan == .infinity)
        #expect(decoded.outbox.first?.event.thresholdPercent == -.infinity)
        event.percentOfPlan = .nan
        state.outbox[0].event = event
        #expect(try StateCodec.decode(StateCodec.encode(state)).outbox.first?.event.percentOfPlan?.isNaN == true)
    }
}
