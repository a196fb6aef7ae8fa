import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchState

/// The state writer's fast paths must write what the general helpers write, byte for byte.
@Suite("State writer fast paths")
struct StateWriterFastPathTests {
    /// `JSONByteWriter.date` lays the text out itself; it must be `Timestamp.rfc3339`, quoted,
    /// clamped dates and the ends of the range included.
    @Test(arguments: [
        0, 1, -1, 59.999, 1_795_000_000, 1_795_000_000.5, 951_782_400, -62_135_596_800, -62_167_219_200,
        -62_167_219_201, 253_402_300_799, 253_402_300_800, 1e300, -1e300, .infinity, -.infinity, .nan,
    ] as [Double])
    func datesMatchTheFormatter(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        var writer = JSONByteWriter(capacity: 32)
        writer.date(date)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "\"" + Timestamp.rfc3339(date) + "\"")
    }

    /// Every day of four years (a leap year among them) and every second of one day.
    @Test func everyDayAndEverySecondMatch() {
        var writer = JSONByteWriter(capacity: 1 << 20)
        var expected: [UInt8] = []
        let start = 1_767_225_600.0  // 2026-01-01
        for day in 0..<(4 * 366) {
            let date = Date(timeIntervalSince1970: start + Double(day) * 86_400 + Double(day % 86_400))
            writer.date(date)
            expected += Array(("\"" + Timestamp.rfc3339(date) + "\"").utf8)
        }
        for second in stride(from: 0, to: 86_400, by: 7) {
            let date = Date(timeIntervalSince1970: start + Double(second))
            writer.date(date)
            expected += Array(("\"" + Timestamp.rfc3339(date) + "\"").utf8)
        }
        #expect(writer.bytes == expected)
    }

    /// A row's whole-member fragment spells its key, so the one table still names each field once.
    @Test func eachRowsMemberIsItsKey() {
        for field in UsageField.all {
            #expect(field.member.description == ",\"" + field.key.description + "\":")
        }
        #expect(UsageField.keys.map(\.description) == UsageField.all.map(\.key.description))
    }

    /// Fired thresholds are written sorted whatever their number, one included.
    @Test(arguments: [[], ["b"], ["b", "a"], ["c", "a", "b"]] as [[String]])
    func firedThresholdsAreSorted(fired: [String]) throws {
        var state = PersistentState()
        state.devices["1"] = DeviceRecord(observation: 1, thresholds: ThresholdState(fired: Set(fired)))
        let text = String(decoding: StateCodec.encode(state), as: UTF8.self)
        let list = fired.sorted().map { "\"" + $0 + "\"" }.joined(separator: ",")
        #expect(text.contains("\"thresholds\":{\"fired\":[" + list + "]}"))
        #expect(try StateCodec.decode(StateCodec.encode(state)) == state)
    }

    /// A string's control character is still reported where it is, after the faster scan.
    @Test func aControlCharacterInAStringIsFound() {
        let bytes = Array("{\"a\":\"xy\u{01}z\"}".utf8)
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(bytes: buffer)
            #expect(throws: JSONFormatError.self) {
                var object = try scanner.beginObject()
                _ = try scanner.nextKey(&object)
                _ = try scanner.readString()
            }
            #expect(scanner.index == 8)
        }
    }
}
