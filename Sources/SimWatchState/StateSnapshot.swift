/// What a save writes: the state without its device map, and the devices as a list.
///
/// The engine takes it on its actor and writes it off the pool while polls go on. Were
/// the save to hold the ledger's dictionary, the first answer recorded during the save
/// would copy that whole dictionary, empty buckets and all (at 100,000 devices, 262,144
/// buckets: 2.6 times the records themselves). The list holds only the records.
package struct StateSnapshot: Sendable {
    /// Everything but `devices`, which is empty here.
    package var state: PersistentState
    /// The devices' ICCIDs, in no particular order (the codec sorts them).
    package var iccids: [String]
    /// The device records, position for position with `iccids`: apart, so that the writer
    /// borrows a record or a key without copying the pair.
    package var records: [DeviceRecord]

    package init(_ state: PersistentState) {
        // A dictionary's keys and values are listed in the same order.
        iccids = Array(state.devices.keys)
        records = Array(state.devices.values)
        var rest = state
        rest.devices = [:]
        self.state = rest
    }

    /// The devices as pairs, for tests.
    package var devices: [(key: String, value: DeviceRecord)] {
        zip(iccids, records).map { (key: $0, value: $1) }
    }
}

extension StateSnapshot {
    /// Positions in `iccids` and `records` in ICCID order: UTF-8 byte order, which is code-point order.
    ///
    /// Each key's first 24 bytes (an ICCID has at most 22) are packed into three integers
    /// once, so the sort compares integers instead of copying records and comparing
    /// Strings by Unicode rules; only keys alike in those bytes are compared in full.
    package func sortedPositions() -> [Int] {
        var keys: [(prefix: (UInt64, UInt64, UInt64), position: Int)] = []
        keys.reserveCapacity(iccids.count)
        iccids.withUnsafeBufferPointer { list in
            for position in list.indices {
                var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
                withUnsafeMutableBytes(of: &words) { raw in
                    // One copy of the contiguous bytes; byte by byte only for a bridged string.
                    let copied: Void? = list[position].utf8.withContiguousStorageIfAvailable { utf8 in
                        let length = min(utf8.count, raw.count)
                        if length > 0 { raw.baseAddress!.copyMemory(from: utf8.baseAddress!, byteCount: length) }
                    }
                    if copied == nil {
                        for (offset, byte) in list[position].utf8.prefix(raw.count).enumerated() { raw[offset] = byte }
                    }
                }
                keys.append(((UInt64(bigEndian: words.0), UInt64(bigEndian: words.1), UInt64(bigEndian: words.2)), position))
            }
        }
        keys.sort { lhs, rhs in
            if lhs.prefix != rhs.prefix { return lhs.prefix < rhs.prefix }
            let left = iccids[lhs.position].utf8, right = iccids[rhs.position].utf8
            if left.elementsEqual(right) { return lhs.position < rhs.position }
            return left.lexicographicallyPrecedes(right)
        }
        return keys.map(\.position)
    }
}
