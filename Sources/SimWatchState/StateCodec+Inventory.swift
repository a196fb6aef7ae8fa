import Foundation
import SimWatchCore

/// The feed's watermark and the inventory in the state file: one short line per SIM.
///
/// 100,000 SIMs are about 10 MB here: fields left unknown and an observation of 0 are not
/// written, and a line holds nothing but the listed values.
extension StateCodec {
    /// Appends `,"feed": {...},"inventory": {...}` after the devices.
    static func writeFleet(_ state: PersistentState, to writer: inout JSONByteWriter) {
        writer.raw(",\n  \"feed\": {\"complete\":")
        writer.bool(state.feed.complete)
        if let watermark = state.feed.watermark {
            writer.raw(",\"watermark\":")
            writer.date(watermark)
        }
        writer.raw("},\n  \"inventory\": {")
        for (index, iccid) in state.inventory.keys.sorted().enumerated() {
            writer.raw(index == 0 ? "\n    " : ",\n    ")
            writer.string(iccid)
            writer.raw(": ")
            writeEntry(state.inventory[iccid]!, to: &writer)
        }
        writer.raw(state.inventory.isEmpty ? "}" : "\n  }")
    }

    private static func writeEntry(_ entry: InventoryEntry, to writer: inout JSONByteWriter) {
        writer.raw("{")
        var first = true
        func field(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            writer.raw(first ? "\"" : ",\"")
            writer.raw(name)
            writer.raw("\":")
            writer.string(value)
            first = false
        }
        field("status", entry.status)
        field("ratePlan", entry.ratePlan)
        field("communicationPlan", entry.communicationPlan)
        if entry.observation != 0 {
            writer.raw(first ? "\"observation\":" : ",\"observation\":")
            writer.int(entry.observation)
        }
        writer.raw("}")
    }
}

extension StateFileReader {
    /// The inventory: ICCIDs of 15 to 22 digits, texts of at most `maxListedText` bytes.
    mutating func readInventory() throws(StateFormatError) -> [String: InventoryEntry] {
        var inventory: [String: InventoryEntry] = [:]
        var object = try scanner.beginObject()
        while true {
            let mark = markMember(object)
            let more: Bool
            do {
                more = try nextEntry(&object, into: &inventory)
            } catch {
                try reframe(mark, &object, after: error)
                more = try nextEntry(&object, into: &inventory)
            }
            if !more { break }
        }
        return inventory
    }

    /// Reads the next entry into `inventory` (only once it is whole); `false` after the last.
    private mutating func nextEntry(
        _ object: inout JSONScanner.Container, into inventory: inout [String: InventoryEntry]
    ) throws(StateFormatError) -> Bool {
        guard let key = try scanner.nextKey(&object) else { return false }
        _ = scanner.peek()
        let start = scanner.index
        let iccid = key.text
        guard ICCID.isValid(iccid) else {
            throw scanner.error("inventory key is not an ICCID of 15 to 22 digits", at: start)
        }
        inventory[iccid] = try readEntry()
        return true
    }

    private mutating func readEntry() throws(StateFormatError) -> InventoryEntry {
        var entry = InventoryEntry()
        var object = try scanner.beginObject()
        while let key = try scanner.nextKey(&object) {
            if key.matches("status") {
                entry.status = try listedText("status")
            } else if key.matches("ratePlan") {
                entry.ratePlan = try listedText("ratePlan")
            } else if key.matches("communicationPlan") {
                entry.communicationPlan = try listedText("communicationPlan")
            } else if key.matches("observation") {
                entry.observation = try readSequence("observation")
            } else {
                try scanner.skipValue()
            }
        }
        return entry
    }

    /// The longest listed text the file may hold: what an answer may carry (1 KiB).
    static var maxListedText: Int { 1024 }

    private mutating func listedText(_ key: String) throws(StateFormatError) -> String? {
        if try scanner.skipNull() { return nil }
        _ = scanner.peek()
        let start = scanner.index
        let text = try scanner.readString()
        guard text.utf8.count <= Self.maxListedText else {
            throw scanner.error("inventory \"\(key)\" is longer than \(Self.maxListedText) bytes", at: start)
        }
        return text
    }

    /// The feed's watermark and whether the inventory is complete; unknown keys are skipped.
    mutating func readFeed() throws(StateFormatError) -> FeedState {
        var feed = FeedState()
        var object = try scanner.beginObject()
        while let key = try scanner.nextKey(&object) {
            if key.matches("watermark") {
                _ = scanner.peek()
                let start = scanner.index
                feed.watermark = try scanner.skipNull() ? nil : try scanner.readDate()
                guard StateBounds.isInRange(feed.watermark) else {
                    throw scanner.error(StateBounds.dateOutOfRange("feed.watermark"), at: start)
                }
            } else if key.matches("complete") {
                feed.complete = try scanner.readBool()
            } else {
                try scanner.skipValue()
            }
        }
        return feed
    }
}
