import Foundation
import Testing

/// `make install` and `make uninstall` into a staging root (DESTDIR).
@Suite(.serialized) struct InstallTests {
    @Test func installsBinaryUnitConfigAndCredentialsFolder() async throws {
        let root = try TempFolder()
        let install = try await StagedInstall.run(into: root.path)
        #expect(install.status == 0, "\(install.output)")

        let binary = root.path + "/usr/local/bin/simwatch"
        #expect(permissions(binary) == 0o755)
        #expect(FileManager.default.contentsEqual(atPath: binary, andPath: SimwatchProcess.binary.path))
        let unit = try #require(root.read("etc/systemd/system/simwatch.service"))
        #expect(unit.contains("\nExecStart=/usr/local/bin/simwatch run --config /etc/simwatch/simwatch.yaml\n"))
        #expect(permissions(root.path + "/etc/systemd/system/simwatch.service") == 0o644)
        #expect(root.read("etc/simwatch/simwatch.yaml") == Repository.read("etc/simwatch.yaml"))
        #expect(root.read("etc/simwatch/devices.txt") == Repository.read("etc/devices.txt"))
        #expect(permissions(root.path + "/etc/simwatch/credentials") == 0o700)
        for step in ["systemd-creds encrypt", "systemctl daemon-reload", "simwatch check --config /etc/simwatch/simwatch.yaml",
                     "systemctl enable --now simwatch", "journalctl -u simwatch -f"] {
            #expect(install.output.contains(step), "the next steps lack \(step)")
        }
    }

    @Test func secondInstallKeepsTheOperatorsConfiguration() async throws {
        let root = try TempFolder()
        _ = try await StagedInstall.run(into: root.path)
        try root.write("etc/simwatch/simwatch.yaml", "# mine\n")
        try root.write("etc/simwatch/devices.txt", "8988216716970004975 mine\n")
        try root.write("etc/simwatch/credentials/api_key", "CANARY-KEY\n")
        let again = try await StagedInstall.run(into: root.path)
        #expect(again.status == 0, "\(again.output)")
        #expect(root.read("etc/simwatch/simwatch.yaml") == "# mine\n")
        #expect(root.read("etc/simwatch/devices.txt") == "8988216716970004975 mine\n")
        #expect(root.read("etc/simwatch/credentials/api_key") == "CANARY-KEY\n")
        #expect(again.output.contains("kept your /etc/simwatch/simwatch.yaml"))
        #expect(FileManager.default.isExecutableFile(atPath: root.path + "/usr/local/bin/simwatch"))
    }

    @Test func uninstallRemovesBinaryAndUnitOnly() async throws {
        let root = try TempFolder()
        _ = try await StagedInstall.run(into: root.path)
        try root.write("etc/simwatch/credentials/api_key", "CANARY-KEY\n")
        let uninstall = try await StagedInstall.make("uninstall", into: root.path)
        #expect(uninstall.status == 0, "\(uninstall.output)")
        let files = FileManager.default
        #expect(!files.fileExists(atPath: root.path + "/usr/local/bin/simwatch"))
        #expect(!files.fileExists(atPath: root.path + "/etc/systemd/system/simwatch.service"))
        #expect(!files.fileExists(atPath: root.path + "/usr/local/share/doc/simwatch"))
        #expect(files.fileExists(atPath: root.path + "/etc/simwatch/simwatch.yaml"))
        #expect(files.fileExists(atPath: root.path + "/etc/simwatch/devices.txt"))
        #expect(root.read("etc/simwatch/credentials/api_key") == "CANARY-KEY\n")
        #expect(uninstall.output.contains("Kept /etc/simwatch/"))
    }

    @Test func anotherPrefixMovesTheBinaryAndExecStart() async throws {
        let root = try TempFolder()
        let install = try await StagedInstall.run(into: root.path, prefix: "/opt/simwatch")
        #expect(install.status == 0, "\(install.output)")
        #expect(FileManager.default.isExecutableFile(atPath: root.path + "/opt/simwatch/bin/simwatch"))
        let unit = try #require(root.read("etc/systemd/system/simwatch.service"))
        #expect(unit.contains("\nExecStart=/opt/simwatch/bin/simwatch run --config /etc/simwatch/simwatch.yaml\n"))
        #expect(!unit.contains("/usr/local/"))
    }

    @Test func installingAMissingPrebuiltBinaryFailsWithAReason() async throws {
        let root = try TempFolder()
        let install = try await StagedInstall.make("install", into: root.path, binary: root.path + "/no-such-simwatch")
        #expect(install.status != 0)
        #expect(install.output.contains("no simwatch binary at \(root.path)/no-such-simwatch"))
        #expect(!FileManager.default.fileExists(atPath: root.path + "/usr/local/bin/simwatch"))
    }

    private func permissions(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }
}

/// `make install` into a staging root, using the binary this test run already built.
///
/// It never builds: `swift test` holds the lock on `.build`, so a `swift build` started from
/// a test would wait for the test run to end, forever. `BUILD=no BUILT=…` installs the debug
/// binary beside the test bundle instead.
enum StagedInstall {
    static func run(into root: String, prefix: String = "/usr/local") async throws -> Tool.Result {
        try await make("install", into: root, prefix: prefix)
    }

    static func make(_ target: String, into root: String, prefix: String = "/usr/local",
                     binary: String = SimwatchProcess.binary.path) async throws -> Tool.Result {
        try await Tool.run("/usr/bin/make", [
            "--no-print-directory", "-C", Repository.root, target,
            "DESTDIR=\(root)", "PREFIX=\(prefix)", "CONFIG=debug", "BUILD=no", "BUILT=\(binary)",
        ], limit: .seconds(60))
    }

    /// What `systemd-analyze verify --root` needs besides the unit: the stock units it
    /// depends on (sysinit.target, network-online.target, …) and an executable `/bin/kill`
    /// (verify only checks that the program of ExecReload= is executable, so a stub does).
    static func addVerifyPrerequisites(to root: String) throws {
        let files = FileManager.default
        let units = root + "/usr/lib/systemd/system"
        try files.createDirectory(atPath: root + "/usr/lib/systemd", withIntermediateDirectories: true)
        if !files.fileExists(atPath: units) {
            try files.copyItem(atPath: "/usr/lib/systemd/system", toPath: units)
        }
        try files.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        _ = files.createFile(atPath: root + "/bin/kill", contents: Data("#!/bin/sh\n".utf8),
                             attributes: [.posixPermissions: 0o755])
    }
}

extension Repository {
    /// A file of the repository as text.
    static func read(_ relativePath: String) -> String? {
        try? String(contentsOfFile: root + "/" + relativePath, encoding: .utf8)
    }
}
