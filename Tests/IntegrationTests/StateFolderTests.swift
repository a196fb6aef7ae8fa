import Foundation
import Simulator
import Testing
@testable import SimWatchState

/// `run` and `once` prove the state folder writable and take its lock before any API call.
@Suite(.serialized) struct StateFolderTests {
    /// Points the fixture's configuration at another state file.
    func useStateFile(_ path: String, in fixture: Fixture) throws {
        let yaml = try #require(fixture.folder.read("simwatch.yaml"))
        try fixture.folder.write("simwatch.yaml", yaml.replacingOccurrences(
            of: "state_file: \(fixture.folder.path)/state.json", with: "state_file: \(path)"))
    }

    @Test(arguments: ["once", "run"])
    func anUnwritableStateFolderExits78BeforeAnyAPICall(_ command: String) async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        try fixture.folder.write("plain", "")
        let folder = "\(fixture.folder.path)/plain"
        try useStateFile("\(folder)/state.json", in: fixture)
        let result = try await SimwatchProcess.run(
            [command, "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment,
            timeout: .seconds(30))
        #expect(result.status == 78, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("state folder \(folder) is not writable"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("Not a directory (ENOTDIR)"))
        #expect(await fixture.simulator.requests().isEmpty)
    }

    @Test(arguments: ["once", "run"])
    func aSecondInstanceExits1NamingTheHolder(_ command: String) async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let statePath = "\(fixture.folder.path)/state.json"
        let fd = open(statePath + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let pid = Array("\(getpid())\n".utf8)
        #expect(pid.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == pid.count)

        let result = try await SimwatchProcess.run(
            [command, "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment,
            timeout: .seconds(30))
        #expect(result.status == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("another simwatch (pid \(getpid())) is using state file \(statePath)"), "stderr: \(result.stderr)")
        #expect(await fixture.simulator.requests().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: statePath))
    }

    @Test func aRunningDaemonHoldsTheLockWithItsPID() async throws {
        let fixture = try await Fixture.start(interval: "1s")
        defer { Task { await fixture.stop() } }
        let statePath = "\(fixture.folder.path)/state.json"
        let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
        #expect(await eventually { StateLock.holderPID(forStateFile: statePath) == daemon.pid })
        let second = try await fixture.once()
        #expect(second.status == 1)
        #expect(second.stderr.contains("pid \(daemon.pid)"))
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0)
        #expect(StateLock.holderPID(forStateFile: statePath) == nil)
        #expect(try await fixture.once().status == 0)
    }
}
