import Testing
@testable import SimWatchConfig

@Suite("Config: device positions by ICCID")
struct DevicePositionsTests {
    /// Grown from nothing one insert at a time, repeats and odd ICCIDs among them: every
    /// answer is a dictionary's, and a repeat gives the first position, changing nothing.
    @Test func growsAndAgreesWithADictionary() {
        let odd = ["", "🛰️", String(repeating: "7", count: 3_000), "8988216716970000001\u{0}"]
        var devices: [DeviceEntry] = []
        var table = DevicePositions()
        var reference: [String: Int] = [:]
        for iccid in (0..<5_000).map({ "8988216716" + String(970_000_000 + $0 % 3_500) }) + odd {
            devices.append(DeviceEntry(iccid: iccid))
            let first = table.insert(devices.count - 1, in: devices)
            #expect(first == reference[iccid])
            if first == nil { reference[iccid] = devices.count - 1 } else { devices.removeLast() }
        }
        #expect(table.count == reference.count && devices.count == reference.count)
        for (iccid, position) in reference {
            #expect(table.position(of: iccid, in: devices) == position)
        }
        for absent in ["8988216716970003500", "1", String(repeating: "7", count: 2_999), "8988216716970000001"] + ["🛰"] {
            #expect(table.position(of: absent, in: devices) == (reference[absent]))
        }
    }

    @Test func reservingKeepsWhatIsIn() {
        let devices = (0..<40).map { DeviceEntry(iccid: "8988216716" + String(970_000_000 + $0)) }
        var table = DevicePositions()
        for position in 0..<20 { #expect(table.insert(position, in: devices) == nil) }
        table.reserveCapacity(10_000, in: devices)
        for position in 20..<40 { #expect(table.insert(position, in: devices) == nil) }
        for position in 0..<40 { #expect(table.position(of: devices[position].iccid, in: devices) == position) }
        #expect(table.insert(-1, in: devices) == nil && table.count == 40, "a position out of range is not kept")
    }

    @Test func empty() {
        let table = DevicePositions()
        #expect(table.count == 0)
        #expect(table.position(of: "8988216716970000001", in: []) == nil)
        #expect(table.position(of: "", in: []) == nil)
    }
}
