import Dispatch
import Foundation
import Synchronization
import Testing
@testable import SimWatchCore
@testable import SimWatchState

/// Saves and loads split between two threads must give what one thread gives, byte for
/// byte and error for error, wherever the batches and the chunks end.
@Suite("State file split over two threads")
struct StateSplitTests {
    static let alone = StateCodec.LoadSplit(parallel: false)
    /// Batches small enough that a test file holds many of them, and a cut lands anywhere.
    static let splits = [300, 4_096, 65_536].map { StateCodec.LoadSplit(parallel: true, batchBytes: $0) }

    /// How many batches both threads read, over the whole file: the split must really happen.
    static func batches(_ bytes: [UInt8], split: StateCodec.LoadSplit) throws -> Int {
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = StateFileReader(scanner: JSONScanner(bytes: buffer))
            reader.loadSplit = split
            _ = try reader.readState()
            return reader.batchesRead
        }
    }

    @Test("a load split over two threads gives the state one thread gives, at any batch and chunk size")
    func loadsAgree() throws {
        let state = StateStreamTests.nastyState(devices: 1_500)
        let bytes = StateCodec.encode(state)
        #expect(StateStreamTests.wholeFile(bytes, split: Self.alone) == .success(state))
        for split in Self.splits {
            #expect(StateStreamTests.wholeFile(bytes, split: split) == .success(state), "batch \(split.batchBytes)")
            for chunkBytes in [61, 4_096, StateCodec.loadChunkBytes] {
                #expect(StateStreamTests.streamed(bytes, chunkBytes: chunkBytes, split: split) == .success(state),
                        "batch \(split.batchBytes), chunk \(chunkBytes)")
            }
        }
        // Streamed, a batch is what the window holds; whole, the rest of the file: one cut.
        #expect(try Self.batches(bytes, split: Self.splits[0]) == 1)
        var offset = 0
        var reader = StateFileReader(window: StateReadWindow(chunkBytes: 4_096, limit: .max, sizeHint: bytes.count) { buffer in
            let length = min(buffer.count, bytes.count - offset)
            bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: length) }
            offset += length
            return length
        })
        reader.loadSplit = Self.splits[1]
        #expect(try reader.readState() == state)
        #expect(reader.batchesRead > 50)
        #expect(try Self.batches(bytes, split: Self.alone) == 0)
    }

    @Test("a file laid out otherwise (a device over many lines) is read one by one, to the same state")
    func otherLayouts() throws {
        let state = StateStreamTests.nastyState(devices: 400)
        let pretty = try Array(JSONEncoder.simwatch(pretty: true).encode(state))
        for split in Self.splits {
            #expect(StateStreamTests.wholeFile(pretty, split: split) == .success(state))
            #expect(StateStreamTests.streamed(pretty, chunkBytes: 997, split: split) == .success(state))
        }
    }

    /// Devices over two lines, the second a key whose value reads as a device record: a
    /// cut there gives the side a half it reads without fault, which must still be dropped.
    @Test("a cut inside a device is found out, even where the text after it reads as devices")
    func misplacedCut() throws {
        var empty = StateFixtures.fullState()
        empty.devices = [:]
        let lines = (0..<2_000).map { index in
            let record = "{\"observation\":\(index),\"not_found\":false,\"thresholds\":{\"fired\":[]}"
            return "    \"89882167169\(index)\": \(record),\n      \"lookalike\(index)\": \(record)}}"
        }
        let text = String(decoding: StateCodec.encode(empty), as: UTF8.self)
            .replacingOccurrences(of: "\"devices\": {}", with: "\"devices\": {\n" + lines.joined(separator: ",\n") + "\n  }")
        let bytes = Array(text.utf8)
        let expected = StateStreamTests.wholeFile(bytes, split: Self.alone)
        guard case .success(let state) = expected else {
            Issue.record("the file did not load: \(expected)")
            return
        }
        #expect(state.devices.count == 2_000)
        for split in Self.splits {
            #expect(StateStreamTests.wholeFile(bytes, split: split) == expected)
            for chunkBytes in [1_000, 8_192] {
                #expect(StateStreamTests.streamed(bytes, chunkBytes: chunkBytes, split: split) == expected)
            }
        }
    }

    @Test("damage anywhere gives the error one thread gives: broken lines, cut files, repeated ICCIDs")
    func damageAgrees() throws {
        let bytes = StateCodec.encode(StateStreamTests.nastyState(devices: 300))
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        let devices = lines.indices.filter { String(decoding: lines[$0], as: UTF8.self).contains("\"observation\":") }
        var damaged: [[UInt8]] = []
        for line in stride(from: devices[0], through: devices.last!, by: 37) {
            var broken = lines
            broken[line] = Array(String(decoding: lines[line], as: UTF8.self)
                .replacingOccurrences(of: "\"not_found\":", with: "\"not_found\":nope,\"x\":").utf8)
            damaged.append(Array(broken.joined(separator: [0x0A])))
            // The same ICCID twice, with other values: the later line wins, as it does alone.
            var repeated = lines
            repeated.insert(Array(String(decoding: lines[devices.last!], as: UTF8.self).utf8), at: line)
            if !String(decoding: repeated[line], as: UTF8.self).hasSuffix(",") { repeated[line] += Array(",".utf8) }
            damaged.append(Array(repeated.joined(separator: [0x0A])))
        }
        lines.removeAll()
        for length in stride(from: 1, to: bytes.count, by: 4_999) { damaged.append(Array(bytes[..<length])) }
        for file in damaged {
            let expected = StateStreamTests.wholeFile(file, split: Self.alone)
            for split in Self.splits {
                #expect(StateStreamTests.wholeFile(file, split: split) == expected)
                #expect(StateStreamTests.streamed(file, chunkBytes: 1_000, split: split) == expected)
            }
        }
    }

    @Test("a save split over two threads writes the file one thread writes, byte for byte", arguments: [1, 3, 250])
    func savesAgree(batchDevices: Int) {
        let state = StateStreamTests.nastyState(devices: 1_000)
        let alone = StateCodec.encode(state, split: StateCodec.SaveSplit(parallel: false))
        let split = StateCodec.SaveSplit(parallel: true, batchDevices: batchDevices)
        #expect(StateCodec.encode(state, split: split) == alone)
        for chunkBytes in [1, 4_096, StateCodec.saveChunkBytes] {
            var streamed: [UInt8] = []
            StateCodec.encode(StateSnapshot(state), chunkBytes: chunkBytes, split: split) { streamed += $0 }
            #expect(streamed == alone, "chunk \(chunkBytes)")
        }
    }
}

@Suite("Side thread")
struct SideThreadTests {
    @Test("the halves run at once: each waits for the other")
    func halvesOverlap() {
        let sideStarted = DispatchSemaphore(value: 0), ownStarted = DispatchSemaphore(value: 0)
        let result = SideThread.withSideThread(parallel: true) { side in
            side.both({ () -> Bool in
                sideStarted.signal()
                return ownStarted.wait(timeout: .now() + 10) == .success
            }, alongside: { () -> Bool in
                ownStarted.signal()
                return sideStarted.wait(timeout: .now() + 10) == .success
            })
        }
        #expect(result.side && result.own)
    }

    @Test("one after the other without a second thread, and many hand-overs in a row")
    func inlineAndRepeated() {
        for parallel in [false, true] {
            let sums = SideThread.withSideThread(parallel: parallel) { side in
                (0..<500).map { round in side.both({ round * 2 }, alongside: { round }) }
            }
            #expect(sums.map { $0.side + $0.own } == (0..<500).map { $0 * 3 })
        }
    }

    struct Thrown: Error, Equatable {}

    @Test("the caller's error comes back after the side's half is done")
    func ownErrorAfterSide() {
        let done = Mutex(false)
        #expect(throws: Thrown.self) {
            try SideThread.withSideThread(parallel: true) { (side) throws(Thrown) in
                try side.both({ usleep(20_000); done.withLock { $0 = true } }, alongside: { () throws(Thrown) in throw Thrown() })
            }
        }
        #expect(done.withLock { $0 })
    }
}
