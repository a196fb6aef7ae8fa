import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchMonitor
@testable import SimWatchState

/// The streamed load (`StateCodec.decode(_:chunkBytes:)`) must give exactly what the
/// whole-file reader gives, states and errors alike, wherever the chunks end.
@Suite("State file streamed load")
struct StateStreamTests {
    /// Thousands of devices with the values most likely to break a reader at a chunk's end.
    static func nastyState(devices count: Int) -> PersistentState {
        var state = StateFixtures.fullState()
        let names = ["ü✓ \"quoted\" \\ back", "tab\there\nnewline", "🚚 truck \u{01}", "plain", String(repeating: "x", count: 300)]
        for index in 0..<count {
            // Keys needing escapes too: a quote, a backslash, a control character, non-ASCII.
            let iccid = index % 97 == 0 ? "89\"\\\u{02}é\(index)" : "8988216716" + String(970_000_000 + index)
            let usage = DeviceUsage(
                iccid: iccid, imsi: index % 5 == 0 ? nil : "2040431" + String(index), msisdn: "88\(index)",
                imei: index % 10 == 0 ? "" : "35\(index)", status: names[index % names.count],
                ratePlan: names[(index + 1) % names.count], communicationPlan: "CP\(index % 3)",
                ctdDataUsage: index % 7 == 0 ? .max : Int64(index) * 98_765, ctdSMSUsage: index % 11 == 0 ? nil : 0,
                ctdVoiceUsage: .max, ctdSessionCount: Int64(index), overageLimitReached: index % 2 == 0 ? nil : true,
                overageLimitOverride: names[(index + 2) % names.count]
            )
            state.devices[iccid] = DeviceRecord(
                last: index % 13 == 0 ? nil : usage, observedAt: index % 3 == 0 ? nil : StateFixtures.now,
                observation: index % 17 == 0 ? 1 << 53 : index,
                thresholds: ThresholdState(fired: index % 3 == 0 ? ["data>=80%", "sms>=\(index)", "é\"\\"] : []),
                notFound: index % 4 == 0
            )
        }
        state.inventory = Dictionary(uniqueKeysWithValues: (0..<count / 2).map { index in
            ("8988216716" + String(980_000_000 + index),
             InventoryEntry(status: names[index % names.count], ratePlan: nil, communicationPlan: "CP", observation: index))
        })
        return state
    }

    /// An error's text, so that results compare.
    struct Failed: Error, Equatable {
        var text: String
    }

    /// The whole-file reader's result or error text, to compare the streamed one with.
    static func wholeFile(_ bytes: [UInt8], split: StateCodec.LoadSplit = .init()) -> Result<PersistentState, Failed> {
        Result { () throws(StateFormatError) in try StateCodec.decode(bytes, split: split) }.mapError { Failed(text: $0.description) }
    }

    static func streamed(_ bytes: [UInt8], chunkBytes: Int, split: StateCodec.LoadSplit = .init()) -> Result<PersistentState, Failed> {
        Result { () throws(StateCodec.DecodeFailure) in try StateCodec.decode(bytes, chunkBytes: chunkBytes, split: split) }
            .mapError { failure in
                guard case .format(let error) = failure else { return Failed(text: "not a format error: \(failure)") }
                return Failed(text: error.description)
            }
    }

    @Test("a thousand devices with nasty values stream back as the whole file reads, at any chunk size")
    func nastyRoundTrip() throws {
        let state = Self.nastyState(devices: 1_200)
        let bytes = StateCodec.encode(state)
        #expect(try StateCodec.decode(bytes) == state)
        for chunkBytes in [7, 61, 4_096, StateCodec.loadChunkBytes] {
            #expect(Self.streamed(bytes, chunkBytes: chunkBytes) == .success(state), "chunk \(chunkBytes)")
        }
        // Another layout (Foundation's pretty printing): a device spans many lines.
        let pretty = try Array(JSONEncoder.simwatch(pretty: true).encode(state))
        #expect(Self.streamed(pretty, chunkBytes: 7) == .success(state))
    }

    @Test("a broken device line is named by its line, as the whole-file reader names it")
    func brokenLineNamed() throws {
        let bytes = StateCodec.encode(Self.nastyState(devices: 2_000))
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        let broken = try #require(lines.indices.filter { String(decoding: lines[$0], as: UTF8.self).contains("\"observation\":1500,") }.first)
        lines[broken] = Array(String(decoding: lines[broken], as: UTF8.self)
            .replacingOccurrences(of: "\"observation\":1500,", with: "\"observation\":-1500,").utf8)
        let damaged = Array(lines.joined(separator: [0x0A]))
        let expected = Self.wholeFile(damaged)
        guard case .failure(let failed) = expected else {
            Issue.record("the damaged file loaded")
            return
        }
        #expect(failed.text.hasPrefix("line \(broken + 1), column "))
        for chunkBytes in [7, 1_000, 65_536] {
            #expect(Self.streamed(damaged, chunkBytes: chunkBytes) == expected, "chunk \(chunkBytes)")
        }
    }

    @Test("chunks ending inside a line, a string or an escape change nothing, cut or whole",
          arguments: [1, 2, 3, 5, 7, 13])
    func tinyChunks(chunkBytes: Int) throws {
        let bytes = StateCodec.encode(StateFixtures.fullState())
        #expect(Self.streamed(bytes, chunkBytes: chunkBytes) == Self.wholeFile(bytes))
        // A truncated file fails alike wherever it is cut, and wherever the chunks end.
        for length in stride(from: chunkBytes % 7, to: bytes.count, by: 7) {
            let cut = Array(bytes[..<length])
            #expect(Self.streamed(cut, chunkBytes: chunkBytes) == Self.wholeFile(cut), "cut at \(length)")
        }
    }

    @Test("odd and damaged files stream as the whole-file reader reads them", arguments: [
        "", "garbage", "  {}  ", "{\n  \"schema_version\": 1,\n  \"cycle\": 1.5",
        "{\"schema_version\": 1} {}", "{\"schema_version\": 1, \"a\": \"\\ud800\"}", "{\"schema_version\": 1, \"a\": [1,]}",
        "{\"schema_version\":1,\"cycle\":2,\"devices\":{\"1\":{\"observation\":1,\"not_found\":false,\"thresholds\":{\"fired\":[]}},}",
        "{\"schema_version\":1,\"cycle\":2,\"dev\\u0069ces\":{},\"health\":{},\"outbox\":[],\"dead_letters\":[]}",
        "{\"schema_version\":1,\"cycle\":2,\"devices\":{\"1\":{\"observation\":1,\"not_found\":tru}},\"inventory\":{\"x\":{}}}",
        "{\"schema_version\":1,\"cycle\":2,\"devices\":{},\"health\":{},\"outbox\":[],\"dead_letters\":[],\"inventory\":{\"123\":{}}}",
        "{\"schema_version\":1,\"cycle\":2,\"devices\":[],\"health\":{},\"outbox\":[],\"dead_letters\":[]}",
        "{\"schema_version\":1,\"cycle\":12 34,\"devices\":{}}",
        "{\"schema_version\":1,\"devices\":{\"1\" {}}}",
    ])
    func oddFiles(text: String) {
        let bytes = Array(text.utf8)
        for chunkBytes in [1, 2, 3, 7, 64] {
            #expect(Self.streamed(bytes, chunkBytes: chunkBytes) == Self.wholeFile(bytes), "chunk \(chunkBytes)")
        }
    }

    @Test("a file larger than the limit is too large, however it is cut")
    func limitHolds() {
        let bytes = StateCodec.encode(StateFixtures.fullState())
        var offset = 0
        #expect {
            try StateCodec.decode(chunkBytes: 100, limit: bytes.count - 1) { buffer in
                let length = min(buffer.count, bytes.count - offset)
                for index in 0..<length { buffer[index] = bytes[offset + index] }
                offset += length
                return length
            }
        } throws: { error in
            guard case .tooLarge = error as? StateCodec.DecodeFailure else { return false }
            return true
        }
    }
}
