import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchState

/// `status` reads records' usage in place and the devices file without a closure per line: same answers.
@Suite struct StatusBorrowedReadTests {
    @Test func withLastSeesWhatLastHolds() {
        let record = DeviceRecordStorageTests.full()
        let copy = record
        #expect(record.withLast { $0 } == record.last)
        #expect(record.withLast { $0?.ratePlan } == "hphlr rp1 with a long name")
        #expect(record.sharesStorage(with: copy), "reading leaves the box shared")
        #expect(DeviceRecord().withLast { $0 == nil })
    }

    @Test func withLastPassesErrorsThrough() {
        struct Stop: Error {}
        #expect(throws: Stop.self) { try DeviceRecord().withLast { _ in throw Stop() } }
    }

    @Test func duplicateWithinTheDevicesFileNamesItsFirstLine() throws {
        let directory = try TemporaryDirectory()
        try directory.write("devices.txt", """
            89011704252318147060 truck-17
            89011704252318147061

            89011704252318147060 again
            """)
        let issues = configIssues(minimalYAML + "devices_file: devices.txt\n", path: directory.file("simwatch.yaml"))
        let devicesFile = directory.file("devices.txt")
        #expect(issues.count == 1)
        #expect(issues.first?.message == "duplicate ICCID 89011704252318147060; first listed at \(devicesFile):1")
        #expect(issues.first?.line == 4)
        #expect(issues.first?.file == devicesFile)
    }

    @Test func devicesFileKeepsOrderAfterTheYAMLDevices() throws {
        let directory = try TemporaryDirectory()
        try directory.write("devices.txt", "89011704252318147061 b\n89011704252318147062\n")
        let yaml = minimalYAML + "devices_file: devices.txt\n"
        let loaded = try loadedConfig(yaml, path: directory.file("simwatch.yaml"))
        #expect(loaded.config.devices.map(\.iccid) == ["8988216716970004975", "89011704252318147061", "89011704252318147062"])
        #expect(loaded.config.devices.map(\.name) == [nil, "b", nil])
    }
}
