import Foundation
import Simulator
import Testing

extension DaemonLifecycle {
    /// `simwatch reload`: validate first, then SIGHUP the daemon; never signal with a bad file.
    @Suite struct ReloadTests {
        func reload(_ fixture: Fixture, _ extra: [String] = []) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await SimwatchProcess.run(["reload", "--config", fixture.configPath] + extra, in: fixture.folder.path,
                                          environment: fixture.environment, timeout: .seconds(30))
        }

        @Test func aValidConfigurationIsCheckedThenTheDaemonReloadsIt() async throws {
            let fixture = try await Fixture.start(interval: "1s")
            defer { Task { await fixture.stop() } }
            let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
            #expect(await daemon.waitForLog { $0.contains("cycle finished") })
            let result = try await reload(fixture, ["--pid", "\(daemon.pid)"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("configuration OK; asked simwatch (pid \(daemon.pid)) to reload it"))
            #expect(await daemon.waitForLog { $0.contains("configuration reloaded") })
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func anInvalidConfigurationExits78WithItsErrorsAndSendsNothing() async throws {
            let fixture = try await Fixture.start(interval: "1s")
            defer { Task { await fixture.stop() } }
            let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
            #expect(await daemon.waitForLog { $0.contains("cycle finished") })
            let good = try #require(fixture.folder.read("simwatch.yaml"))
            try fixture.folder.write("simwatch.yaml", good.replacingOccurrences(of: "interval: 1s", with: "intervall: 1s"))
            let result = try await reload(fixture, ["--pid", "\(daemon.pid)"])
            #expect(result.status == 78)
            #expect(result.stderr.contains("simwatch.yaml:"), "\(result.stderr)")
            #expect(result.stderr.contains("intervall"), "\(result.stderr)")
            // The daemon heard nothing: it goes on cycling with no reload attempt in its log.
            let cycles = daemon.stderr.components(separatedBy: "cycle finished").count
            #expect(await daemon.waitForLog { $0.components(separatedBy: "cycle finished").count > cycles + 1 })
            #expect(!daemon.stderr.contains("configuration reload"))
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func withoutPidItSignalsTheHolderOfTheStateLock() async throws {
            let fixture = try await Fixture.start(interval: "1s")
            defer { Task { await fixture.stop() } }
            let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
            #expect(await daemon.waitForLog { $0.contains("cycle finished") })
            // The daemon writes its lock once the state lock exists; until then the test does.
            let lock = "\(fixture.folder.path)/state.json.lock"
            if !FileManager.default.fileExists(atPath: lock) {
                try fixture.folder.write("state.json.lock", "\(daemon.pid)\n")
            }
            let result = try await reload(fixture)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(await daemon.waitForLog { $0.contains("configuration reloaded") })
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test(arguments: ["", "999999999\n", "0\n", "1\n", "-1\n", "banana"])
        func withNoDaemonItExits1AndSaysSo(lockContent: String) async throws {
            let fixture = try await Fixture.start(interval: "1s")
            defer { Task { await fixture.stop() } }
            if !lockContent.isEmpty { try fixture.folder.write("state.json.lock", lockContent) }
            let result = try await reload(fixture)
            #expect(result.status == 1)
            #expect(result.stderr.contains("no running simwatch holds"), "\(result.stderr)")
            #expect(result.stderr.contains("state.json.lock"))
        }

        @Test(arguments: ["0", "1", "-1", "99999999999", "abc"])
        func anUnusablePidIsABadCommandLine(pid: String) async throws {
            let fixture = try await Fixture.start(interval: "1s")
            defer { Task { await fixture.stop() } }
            let result = try await reload(fixture, ["--pid=\(pid)"])
            #expect(result.status == 64, "\(result.stderr)")
        }

        @Test func aPidWithNoProcessExits1() async throws {
            let fixture = try await Fixture.start(interval: "1s")
            defer { Task { await fixture.stop() } }
            let result = try await reload(fixture, ["--pid", "4194304"])
            #expect(result.status == 1)
            #expect(result.stderr.contains("no process with id 4194304"), "\(result.stderr)")
        }
    }
}
