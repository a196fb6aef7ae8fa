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

    @Test func noDevices() {
        let configured = ConfiguredDevices([])
        #expect(!configured.contains("8988216716970000001"))
        #expect(configured["8988216716970000001"] == nil)
    }
}
