/// What a save writes: the state without its device map, and the devices as a list.
///
/// The engine takes it on its actor and writes it off the pool while polls go on. Were
/// the save to hold the ledger's dictionary, the first answer recorded during the save
/// would copy that whole dictionary, empty buckets and all (at 100,000 devices, 262,144
/// buckets: 2.6 times the records themselves). The list holds only the records.
package struct StateSnapshot: Sendable {
    /// Everything but `devices`, which is empty here.
    package var state: PersistentState
    /// The device records, in no particular order (the codec sorts them).
    package var devices: [(key: String, value: DeviceRecord)]

    package init(_ state: PersistentState) {
        devices = Array(state.devices)
        var rest = state
        rest.devices = [:]
        self.state = rest
    }
}

extension StateSnapshot {
    /// Positions in `devices` in ICCID order: UTF-8 byte order, which is code-point order.
    ///
    /// Each key's first 24 bytes (an ICCID has at most 22) are packed into three integers
    /// once, so the sort compares integers instead of copying records and comparing
    /// Strings by Unicode rules; only keys alike in those bytes are compared in full.
    package func sortedPositions() -> [Int] {
        var keys: [(prefix: (UInt64, UInt64, UInt64), position: Int)] = []
        keys.reserveCapacity(devices.count)
        devices.withUnsafeBufferPointer { list in
            for position in list.indices {
                var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
                withUnsafeMutableBytes(of: &words) { raw in
                    for (offset, byte) in list[position].key.utf8.prefix(raw.count).enumerated() { raw[offset] = byte }
                }
                keys.append(((UInt64(bigEndian: words.0), UInt64(bigEndian: words.1), UInt64(bigEndian: words.2)), position))
            }
        }
        keys.sort { lhs, rhs in
            if lhs.prefix != rhs.prefix { return lhs.prefix < rhs.prefix }
            let left = devices[lhs.position].key.utf8, right = devices[rhs.position].key.utf8
            if left.elementsEqual(right) { return lhs.position < rhs.position }
            return left.lexicographicallyPrecedes(right)
        }
        return keys.map(\.position)
    }
}
