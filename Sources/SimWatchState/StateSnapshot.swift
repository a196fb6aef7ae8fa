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
