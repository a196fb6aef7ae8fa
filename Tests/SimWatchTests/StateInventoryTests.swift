import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchState

/// The inventory and the feed's watermark in the state file.
@Suite("State file: inventory and feed")
struct StateInventoryTests {
    static func state() -> PersistentState {
        var state = StateFixtures.fullState()
        state.inventory = [
            "8988216716970004975": InventoryEntry(status: "ACTIVATED", ratePlan: "hphlr \"rp1\" ü", communicationPlan: "CP\n1"),
            "89011704252318147060": InventoryEntry(status: "DEACTIVATED", observation: 12),
            "89011704252318147069": InventoryEntry(),
        ]
        state.feed = FeedState(watermark: StateFixtures.now, complete: true)
        return state
    }

    @Test func inventoryAndWatermarkRoundTrip() throws {
        let state = Self.state()
        #expect(try StateCodec.decode(StateCodec.encode(state)) == state)
        let viaFoundation = try JSONDecoder.simwatch().decode(PersistentState.self, from: Data(StateCodec.encode(state)))
        #expect(viaFoundation == state)
        #expect(try StateCodec.decode(Array(try JSONEncoder.simwatch().encode(state))) == state)
    }

    @Test func oneShortLinePerSIM() {
        let text = String(decoding: StateCodec.encode(Self.state()), as: UTF8.self)
        #expect(text.contains(#"  "feed": {"complete":true,"watermark":"2026-11-27T10:00:00Z"},"#))
        #expect(text.contains(#"    "89011704252318147060": {"status":"DEACTIVATED","observation":12},"#))
        #expect(text.contains(#"    "89011704252318147069": {}"#))
    }

    @Test func aFileWithoutThemLoadsWithAnEmptyInventory() throws {
        var old = StateFixtures.fullState()
        var text = String(decoding: StateCodec.encode(old), as: UTF8.self)
        let start = try #require(text.range(of: ",\n  \"feed\""))
        let end = try #require(text.range(of: ",\n  \"outbox\""))
        text.removeSubrange(start.lowerBound..<end.lowerBound)
        #expect(!text.contains("inventory"))
        old.inventory = [:]
        old.feed = FeedState()
        #expect(try StateCodec.decode(Array(text.utf8)) == old)
    }

    @Test func anAccountsInventoryStaysSmall() {
        var state = PersistentState(epoch: "e")
        for index in 0..<10_000 {
            state.inventory["8988216716" + String(970_000_000 + index)] = InventoryEntry(
                status: index % 3 == 0 ? "DEACTIVATED" : "ACTIVATED", ratePlan: "Plan-10GB", communicationPlan: "CP_Basic_ON")
        }
        // About 100 bytes a SIM: 10,000 of them fit in 1.2 MB, so 100,000 in 12 MB.
        #expect(StateCodec.encode(state).count < 1_200_000)
    }

    @Test(arguments: [
        (#""inventory": {"12": {}}"#, "not an ICCID"),
        (#""inventory": {"8988216716970004975": {"observation": 9007199254740993}}"#, "outside 0 to 2^53"),
        (#""inventory": {"8988216716970004975": {"status": 7}}"#, "expected"),
        (#""inventory": {"8988216716970004975": {"ratePlan": "\#(String(repeating: "x", count: 1025))"}}"#, "longer than 1024 bytes"),
        (#""feed": {"watermark": "99999-01-01T00:00:00Z"}"#, "expected a date"),
        (#""feed": {"complete": "yes"}"#, "expected true or false"),
    ])
    func damagedEntriesAreACorruptFile(_ section: String, message: String) {
        let text = #"{"schema_version":1,"cycle":0,"devices":{},"health":{"consecutive_failed_cycles":0,"poll_failed_raised":false},"#
            + #""outbox":[],"dead_letters":[],"# + section + "}"
        #expect(throws: StateFormatError.self) { try StateCodec.decode(Array(text.utf8)) }
        do {
            _ = try StateCodec.decode(Array(text.utf8))
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
    }
}
