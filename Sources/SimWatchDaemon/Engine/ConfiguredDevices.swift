import SimWatchConfig

/// The configuration's devices, found by ICCID.
///
/// The entries stay in the configuration's array (shared, not copied); an open-addressing
/// table of their positions finds them, 4 bytes a slot and at most half full. At 100,000
/// devices that is 1 MB, where a dictionary from ICCID to position took 5 MB (a slot holds
/// a 16-byte key, and 100,000 keys double it to 262,144 slots) and a set of ICCIDs beside a
/// dictionary of entries took 19 MB.
struct ConfiguredDevices: Sendable {
    private let devices: [DeviceEntry]
    /// 1 + the position of a device whose ICCID hashes to this slot or one before it; 0 is empty.
    private let slots: [UInt32]

    init(_ devices: [DeviceEntry]) {
        self.devices = devices
        // Positions fit a slot (a configuration holds far fewer devices); the first of a repeated ICCID wins.
        let count = min(devices.count, Int(UInt32.max) - 1)
        var capacity = 16
        while capacity < count * 2 { capacity <<= 1 }
        var slots = [UInt32](repeating: 0, count: capacity)
        for position in 0..<count {
            let iccid = devices[position].iccid
            var slot = iccid.hashValue & (capacity - 1)
            while slots[slot] != 0, devices[Int(slots[slot]) - 1].iccid != iccid {
                slot = (slot + 1) & (capacity - 1)
            }
            if slots[slot] == 0 { slots[slot] = UInt32(position + 1) }
        }
        self.slots = slots
    }

    func contains(_ iccid: String) -> Bool {
        position(of: iccid) != nil
    }

    subscript(iccid: String) -> DeviceEntry? {
        position(of: iccid).map { devices[$0] }
    }

    /// The configuration's own string for `iccid`: records that key on it share it.
    func held(_ iccid: String) -> String? {
        position(of: iccid).map { devices[$0].iccid }
    }

    private func position(of iccid: String) -> Int? {
        var slot = iccid.hashValue & (slots.count - 1)
        while slots[slot] != 0 {
            let position = Int(slots[slot]) - 1
            if devices[position].iccid == iccid { return position }
            slot = (slot + 1) & (slots.count - 1)
        }
        return nil
    }
}
