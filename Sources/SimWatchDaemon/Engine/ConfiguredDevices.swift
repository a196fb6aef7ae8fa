import SimWatchConfig
import SimWatchState

/// The configuration's devices, found by ICCID.
///
/// The entries stay in the configuration's array (shared, not copied); `DevicePositions`
/// finds them in 1 MB at 100,000 devices, where a dictionary from ICCID to position took
/// 5 MB and a set of ICCIDs beside a dictionary of entries 19 MB.
struct ConfiguredDevices: Sendable {
    private let devices: [DeviceEntry]
    private let positions: DevicePositions

    init(_ devices: [DeviceEntry]) {
        self.devices = devices
        // The first of a repeated ICCID wins.
        var positions = DevicePositions(minimumCapacity: devices.count)
        for position in devices.indices { _ = positions.insert(position, in: devices) }
        self.positions = positions
    }

    func contains(_ iccid: String) -> Bool {
        positions.position(of: iccid, in: devices) != nil
    }

    subscript(iccid: String) -> DeviceEntry? {
        positions.position(of: iccid, in: devices).map { devices[$0] }
    }

    /// The configuration's own string for `iccid`: records that key on it share it.
    func held(_ iccid: String) -> String? {
        positions.position(of: iccid, in: devices).map { devices[$0].iccid }
    }

    /// These devices' ICCIDs, for a state load whose records should share their strings.
    var knownICCIDs: KnownICCIDs {
        KnownICCIDs { [self] in held($0) }
    }
}

extension KnownICCIDs {
    /// The configuration's own ICCID strings, for records loaded to share.
    public static func configured(_ devices: [DeviceEntry]) -> KnownICCIDs {
        ConfiguredDevices(devices).knownICCIDs
    }
}
