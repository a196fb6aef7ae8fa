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

    @Test func noDevices() {
        let configured = ConfiguredDevices([])
        #expect(!configured.contains("8988216716970000001"))
        #expect(configured["8988216716970000001"] == nil)
    }
}
