import Testing
@testable import SimWatchConfig
@testable import SimWatchDaemon

@Suite("Engine: configured devices by ICCID")
struct ConfiguredDevicesTests {
    @Test func findsEachDeviceAndTheFirstOfARepeatedICCID() {
        let devices = [
            DeviceEntry(iccid: "8988216716970000001", name: "one"),
            DeviceEntry(iccid: "8988216716970000002", name: "two", labels: ["site": "b"]),
            DeviceEntry(iccid: "8988216716970000001", name: "again"),
        ]
        let configured = ConfiguredDevices(devices)
        #expect(configured.contains("8988216716970000002"))
        #expect(!configured.contains("8988216716970000003"))
        #expect(!configured.contains(""))
        #expect(configured["8988216716970000001"]?.name == "one")
        #expect(configured["8988216716970000002"] == devices[1])
        #expect(configured["8988216716970000003"] == nil)
    }

    /// The configuration's own string, which loaded records key on instead of a copy.
    @Test func givesTheConfigurationsOwnStringForAnICCID() {
        let devices = [DeviceEntry(iccid: "8988216716970000001"), DeviceEntry(iccid: "8988216716970000002")]
        let configured = ConfiguredDevices(devices)
        let asked = separateCopy("8988216716970000002")
        #expect(stringStorage(asked) != stringStorage(devices[1].iccid))
        #expect(stringStorage(configured.held(asked)) == stringStorage(devices[1].iccid))
        #expect(configured.held("8988216716970000003") == nil)
        #expect(configured.held("") == nil)
    }

    /// Many devices, repeats and odd ICCIDs among them: every look-up agrees with a dictionary's.
    @Test func agreesWithADictionaryAtScale() {
        let odd = ["", "0", "🛰️", String(repeating: "9", count: 4_000), "8988216716970000001\u{0}", "8988216716970000001 "]
        let iccids = (0..<20_000).map { "8988216716" + String(970_000_000 + $0 % 15_000) } + odd
        let devices = iccids.enumerated().map { DeviceEntry(iccid: $0.element, name: "n\($0.offset)") }
        var reference: [String: DeviceEntry] = [:]
        for device in devices where reference[device.iccid] == nil { reference[device.iccid] = device }
        let configured = ConfiguredDevices(devices)
        for iccid in Set(iccids) {
            #expect(configured[iccid] == reference[iccid], "\(iccid.prefix(30))")
        }
        for absent in ["8988216716970015000", "8988216716970000001 x", "1", String(repeating: "9", count: 3_999)] {
            #expect(!configured.contains(absent) && configured[absent] == nil && configured.held(absent) == nil)
        }
    }

    @Test func noDevices() {
        let configured = ConfiguredDevices([])
        #expect(!configured.contains("8988216716970000001"))
        #expect(configured["8988216716970000001"] == nil)
    }
}
