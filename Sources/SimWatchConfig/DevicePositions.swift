/// Finds an entry's position in an array of devices by its ICCID: an open-addressing
/// table of 4-byte positions, at most half full, over ICCIDs that stay in the entries.
///
/// A dictionary from ICCID to position holds a 16-byte key in every slot and doubles at
/// three quarters full: 5 MB at 100,000 devices (262,144 slots). This table is 1 MB.
/// Positions from 2^32 - 2 on are not kept (no configuration comes near).
public struct DevicePositions: Sendable {
    /// 1 + the position of an entry whose ICCID hashes to this slot or one before it; 0 is empty.
    private var slots: [UInt32]
    public private(set) var count = 0

    private static let maxPosition = Int(UInt32.max) - 2

    public init(minimumCapacity: Int = 0) {
        slots = [UInt32](repeating: 0, count: Self.slotCount(for: max(0, minimumCapacity)))
    }

    /// The position of the entry of `devices` whose ICCID is `iccid`, if one was inserted.
    public func position(of iccid: String, in devices: [DeviceEntry]) -> Int? {
        find(iccid, in: devices).position
    }

    /// Inserts `position` unless an entry with the same ICCID is in already: then gives
    /// that one's position and inserts nothing.
    public mutating func insert(_ position: Int, in devices: [DeviceEntry]) -> Int? {
        guard (0...Self.maxPosition).contains(position) else { return nil }
        if (count + 1) * 2 > slots.count { grow(devices) }
        let (slot, held) = find(devices[position].iccid, in: devices)
        if let held { return held }
        slots[slot] = UInt32(position + 1)
        count += 1
        return nil
    }

    /// Room for `minimumCapacity` entries without growing on the way.
    public mutating func reserveCapacity(_ minimumCapacity: Int, in devices: [DeviceEntry]) {
        if Self.slotCount(for: minimumCapacity) > slots.count { grow(devices, to: Self.slotCount(for: minimumCapacity)) }
    }

    /// The slot of `iccid`'s entry and its position, or the empty slot where it would go.
    private func find(_ iccid: String, in devices: [DeviceEntry]) -> (slot: Int, position: Int?) {
        var slot = iccid.hashValue & (slots.count - 1)
        while slots[slot] != 0 {
            let position = Int(slots[slot]) - 1
            if devices[position].iccid == iccid { return (slot, position) }
            slot = (slot + 1) & (slots.count - 1)
        }
        return (slot, nil)
    }

    /// A power of two at least twice `entries`.
    private static func slotCount(for entries: Int) -> Int {
        var slots = 16
        while slots < min(entries, maxPosition) * 2 { slots <<= 1 }
        return slots
    }

    private mutating func grow(_ devices: [DeviceEntry], to size: Int? = nil) {
        let old = slots
        slots = [UInt32](repeating: 0, count: size ?? old.count * 2)
        for held in old where held != 0 {
            var slot = devices[Int(held) - 1].iccid.hashValue & (slots.count - 1)
            while slots[slot] != 0 { slot = (slot + 1) & (slots.count - 1) }
            slots[slot] = held
        }
    }
}
