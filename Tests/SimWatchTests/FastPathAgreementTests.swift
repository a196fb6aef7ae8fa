import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchState

/// Each byte-level fast path of issue 11 gives what the code it replaced gave.
@Suite struct DevicesFileLinesTests {
    @Test(arguments: [
        "", "\n", "8988216716970004975\n", "8988216716970004975",
        "  8988216716970004975   truck 17  # a comment\n",
        "\t8988216716970004975\ttruck#17\t#comment",
        "# only a comment\n\n   \n8988216716970004975 name # c # d\n",
        "a\r\nb\rc\nd\u{0B}e\u{0C}f\r\n\r\ng",
        "8988216716970004975 \r\n 8988216716970004976\t\r",
        "#\n #\n\t#x\nx#y z#w\n",
        "\u{01}8988 name\u{7F} \n",
        "trailing blanks   \t \n",
    ])
    func bytesAgreeWithCharacters(text: String) {
        #expect(DevicesFileLines.entries(text) == DevicesFileLines.characterEntries(text))
    }

    /// Random ASCII made of the bytes that matter (breaks, blanks, `#`, digits, letters).
    @Test func randomASCIIAgrees() {
        var generator = SplitMix64(seed: 11)
        let alphabet = Array("\n\r\t \u{0B}\u{0C}#0123456789ab".unicodeScalars)
        for _ in 0..<2_000 {
            let length = Int(generator.next() % 40)
            let text = String(String.UnicodeScalarView((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }))
            #expect(DevicesFileLines.entries(text) == DevicesFileLines.characterEntries(text), "\(text.debugDescription)")
        }
    }

    @Test func anythingElseTakesTheCharacterPath() {
        let text = "8988216716970004975 Lkw Müller\u{2028}8988216716970004976\u{00A0}x\n"
        let lines = DevicesFileLines.entries(text)
        #expect(lines == DevicesFileLines.characterEntries(text))
        #expect(lines.map(\.number) == [1, 2])
    }

    @Test(arguments: [
        ("898821671697000", true), ("8988216716970004975123", true), ("89882167169700", false),
        ("89882167169700049751234", false), ("8988216716970004９75", false), ("8988216716970004975\u{301}", false),
        ("898821671697000 4975", false), ("", false),
    ])
    func iccidCheckOnBytes(text: String, valid: Bool) {
        #expect((try? ConfigDevices.iccid(text)) != nil ? valid : !valid)
    }
}

@Suite struct AlignedTableTests {
    /// The table as it was built before the byte path: Character widths, Foundation padding.
    func reference(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { cells in
            cells.enumerated().map { column, cell in
                column == cells.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    @Test(arguments: [
        [["ICCID", "NAME"], ["8988216716970004975", "truck-17"]],
        [["a", "b", "c"], ["", "-"], ["long cell with spaces", "x", "last"]],
        [["Müller", "x"], ["Lkw 😀", "y"], ["plain", "z"]],
        [[String(repeating: "w", count: 150), "x"], ["", "y"]],
        [],
        [[]],
    ])
    func sameAsBefore(rows: [[String]]) {
        #expect(alignedTable(rows) == reference(rows))
    }
}

@Suite struct StateStreamingTests {
    @Test(arguments: [1, 100, 4_096, StateCodec.saveChunkBytes])
    func chunksMakeTheSameFile(chunkBytes: Int) {
        let state = StateFixtures.fullState()
        var streamed: [UInt8] = []
        var chunks = 0
        StateCodec.encode(StateSnapshot(state), chunkBytes: chunkBytes) { chunk in
            streamed += chunk
            chunks += 1
        }
        #expect(streamed == StateCodec.encode(state))
        if chunkBytes == 1 { #expect(chunks == state.devices.count + 1) }
    }

    /// A save holds the records, not the dictionary the engine goes on changing.
    @Test func aSnapshotHoldsTheRecordsApartFromTheMap() {
        let state = StateFixtures.fullState()
        let snapshot = StateSnapshot(state)
        #expect(snapshot.state.devices.isEmpty)
        #expect(Dictionary(uniqueKeysWithValues: snapshot.devices.map { ($0.key, $0.value) }) == state.devices)
        var rest = state
        rest.devices = [:]
        #expect(snapshot.state == rest)
    }

    @Test func aSaveWritesTheEncodedFile() throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("state.json")
        var state = StateFixtures.fullState()
        for index in 0..<3_000 {
            let iccid = "898821671697\(1_000_000 + index)"
            state.devices[iccid] = DeviceRecord(last: DeviceUsage(iccid: iccid, status: "ACTIVATED"), observation: index)
        }
        try StateStore(path: path, logger: CapturedLogs().logger).save(state)
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written.count > StateCodec.saveChunkBytes)
        #expect(written == StateCodec.encode(state))
    }
}

@Suite struct UsageFieldAccessTests {
    /// Each row's getter and setter reach the one field its key names, and nothing else.
    @Test func gettersAndSettersNameTheKeysField() {
        for field in UsageField.all {
            var usage = DeviceUsage(iccid: "1")
            let roundTrips: Bool
            switch field.slot {
            case .text(let get, let set): set(&usage, "x"); roundTrips = get(usage) == "x"
            case .counter(let get, let set): set(&usage, 7); roundTrips = get(usage) == 7
            case .flag(let get, let set): set(&usage, true); roundTrips = get(usage) == true
            }
            #expect(roundTrips, "\(field.key)")
            let known = Mirror(reflecting: usage).children.compactMap { child -> String? in
                guard let label = child.label, label != "iccid" else { return nil }
                return "\(child.value)" == "nil" ? nil : label
            }
            #expect(known == [field.key.description], "\(field.key)")
        }
    }
}

@Suite struct SharedStringsTests {
    @Test func longTextsShareWhatIsHeldAndTheRecordStaysEqual() {
        let device = DeviceEntry(iccid: "8988216716970004975")
        let held = DeviceUsage(iccid: "8988216716970004975", imsi: "20404310970004975", status: "ACTIVATION_PENDANT",
                               ratePlan: "a rate plan name longer than fifteen bytes")
        // Decoded anew: equal texts in storage of their own.
        let decoded = DeviceUsage(iccid: String("x8988216716970004975".dropFirst()), imsi: String("x20404310970004975".dropFirst()),
                                  status: String("xACTIVATION_PENDANT".dropFirst()), ratePlan: "another plan, longer than 15")
        let shared = decoded.sharingStorage(with: device, previous: held)
        #expect(shared == decoded)
        #expect(stringStorage(shared.iccid) == stringStorage(device.iccid))
        #expect(stringStorage(shared.imsi) == stringStorage(held.imsi))
        #expect(stringStorage(shared.status) == stringStorage(held.status))
        #expect(stringStorage(shared.ratePlan) == stringStorage(decoded.ratePlan))
        #expect(decoded.sharingStorage(with: device, previous: nil) == decoded)
    }
}
