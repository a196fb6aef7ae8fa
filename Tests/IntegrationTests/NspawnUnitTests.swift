import Foundation
import Simulator
import Testing
@testable import SimWatchAlerts

extension DaemonLifecycle {
    /// The unit under a real systemd: a Debian minbase root (no `/bin/kill`) booted with
    /// `systemd-nspawn`, never the host's own systemd. The root is made once with debootstrap
    /// and kept in `/var/cache/simwatch-tests/` (outside the checkout); each boot runs on a throw-away overlay.
    @Suite(.enabled(if: NspawnRoot.isAvailable, NspawnRoot.unavailable))
    struct NspawnUnitTests {
        @Test func reloadWorksWithoutBinKillAndAnInvalidConfigFailsItVisibly() async throws {
            let root = try await NspawnRoot.prepare()
            let simulator = ControlCenterSimulator(deviceCount: 2, username: "apiuser", apiKey: Fixture.apiKey, clock: .manual(ManualClock()))
            try await simulator.start()
            let sink = WebhookSink()
            try await sink.start()
            defer { Task { await simulator.stop(); await sink.stop() } }
            let stage = try TempFolder()
            let config = NspawnStage.config(baseURL: await simulator.baseURL, iccids: await simulator.iccids)
            try NspawnStage.write(into: stage, config: config, webhook: await sink.url(path: "/hook"))

            let machine = try await BootedMachine.boot(root: root, stage: stage)
            do {
                try await exercise(machine, stage: stage, config: config)
            } catch {
                Issue.record(error)
            }
            await machine.powerOff()
        }

        private func exercise(_ machine: BootedMachine, stage: TempFolder, config: String) async throws {
            // The issue's premise: minimal systems have no kill binary for ExecReload=.
            _ = try await machine.run("/bin/rm", "-f", "/bin/kill", "/usr/bin/kill")
            #expect(try await machine.run("/usr/bin/test", "-e", "/bin/kill").status != 0)

            let start = try await machine.run("/bin/systemctl", "start", "simwatch")
            let cycled = await machine.waitForJournal { $0.contains("cycle finished") }
            let startLog = try await machine.journal()
            #expect(start.status == 0, "\(start.output)\n\(startLog)")
            #expect(cycled, "\(startLog)")

            let reload = try await machine.run("/bin/systemctl", "reload", "simwatch")
            let reloadLog = try await machine.journal()
            #expect(reload.status == 0, "systemctl reload: \(reload.output)\n\(reloadLog)")
            #expect(await machine.waitForJournal { $0.contains("configuration reloaded") })

            try stage.write("etc/simwatch.yaml", config.replacingOccurrences(of: "interval: 2s", with: "intervall: 2s"))
            let bad = try await machine.run("/bin/systemctl", "reload", "simwatch")
            #expect(bad.status != 0, "a bad configuration should fail the reload")
            let status = try await machine.run("/bin/systemctl", "status", "simwatch", "--no-pager", "-l", "-n", "30")
            #expect(status.output.contains("poll.intervall: unknown key"), "systemctl status:\n\(status.output)")
            #expect(status.output.contains("Active: active (running)"), "systemctl status:\n\(status.output)")
            let reloads = try await machine.journal().components(separatedBy: "configuration reloaded").count
            #expect(reloads == 2, "the daemon was signalled for the bad file")

            try stage.write("etc/simwatch.yaml", config)
            let stop = try await machine.run("/bin/systemctl", "stop", "simwatch")
            #expect(stop.status == 0)
            let result = try await machine.run("/bin/systemctl", "show", "simwatch", "-p", "Result", "-p", "ExecMainStatus")
            #expect(result.output.contains("Result=success") && result.output.contains("ExecMainStatus=0"), "\(result.output)")
        }
    }

}

/// The cached Debian minbase root.
enum NspawnRoot {
    static let debootstrap = "/usr/sbin/debootstrap"
    static let nspawn = "/usr/bin/systemd-nspawn"
    static let nsenter = "/usr/bin/nsenter"

    static var isAvailable: Bool {
        getuid() == 0 && [debootstrap, nspawn, nsenter].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
            && FileManager.default.fileExists(atPath: "/sys/fs/cgroup")
    }

    static let unavailable: Comment = """
        systemd-nspawn, debootstrap or root are missing (as root: apt-get install systemd-container debootstrap): \
        the unit is not booted under a real systemd
        """

    /// Outside the checkout, so that every clone on this machine (CI's fresh ones too) boots
    /// the same cached root instead of downloading Debian again.
    static var path: String {
        ProcessInfo.processInfo.environment["SIMWATCH_NSPAWN_ROOT"] ?? "/var/cache/simwatch-tests/nspawn-root"
    }

    /// The host's own Debian mirror, as apt is set up here; debootstrap's default otherwise.
    static var mirror: [String] {
        let sources = (try? String(contentsOfFile: "/etc/apt/sources.list.d/debian.sources", encoding: .utf8)) ?? ""
        let uri = sources.split(separator: "\n").lazy
            .first { $0.hasPrefix("URIs:") && $0.hasSuffix("/debian") }?
            .dropFirst("URIs:".count).trimmingCharacters(in: .whitespaces)
        return uri.map { [$0] } ?? []
    }

    /// The root, made on first use (a few minutes: it downloads Debian's minimal system).
    static func prepare() async throws -> String {
        let root = path
        // Never the host's own root, whatever SIMWATCH_NSPAWN_ROOT says.
        let resolved = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
        guard resolved != "/", !resolved.isEmpty else {
            throw NspawnError("refusing to boot the host's own root (\(root)); point SIMWATCH_NSPAWN_ROOT at a separate tree")
        }
        if FileManager.default.fileExists(atPath: root + "/lib/systemd/systemd") { return root }
        let partial = root + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        try FileManager.default.createDirectory(atPath: (root as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let made = try await Tool.run(debootstrap, [
            "--variant=minbase", "--include=systemd,systemd-sysv,libcurl4,ca-certificates",
            "bookworm", partial,
        ] + mirror, limit: .seconds(900))
        try #require(made.status == 0, "debootstrap failed:\n\(made.output.suffix(3000))")
        try FileManager.default.moveItem(atPath: partial, toPath: root)
        return root
    }
}

/// What the booted machine sees of the host: the unit, the configuration and its credentials.
enum NspawnStage {
    static func config(baseURL: String, iccids: [String]) -> String {
        """
        control_center:
          base_url: \(baseURL)
          username: apiuser
          api_key_file: /run/credentials/simwatch.service/api_key
          rate_limit: 50
          timeout: 2s
        poll:
          interval: 2s
        state_file: /var/lib/simwatch/state.json
        devices:
        \(iccids.map { "  - { iccid: \"\($0)\" }" }.joined(separator: "\n"))
        webhooks:
          - name: ops
            format: generic
            url_file: /run/credentials/simwatch.service/slack_url

        """
    }

    static func write(into stage: TempFolder, config: String, webhook: String) throws {
        let unit = try String(contentsOfFile: Repository.root + "/systemd/simwatch.service", encoding: .utf8)
        try stage.write("simwatch.service", unit)
        try FileManager.default.createDirectory(atPath: stage.path + "/etc/credentials", withIntermediateDirectories: true)
        try stage.write("etc/simwatch.yaml", config)
        for (name, value) in [("api_key", Fixture.apiKey), ("slack_url", webhook), ("teams_url", webhook),
                              ("pagerduty_routing_key", "unused")] {
            try stage.write("etc/credentials/\(name)", value + "\n")
        }
    }
}

/// A container booted from the root; everything it writes lands on a tmpfs overlay.
final class BootedMachine: Sendable {
    let nspawn: Process
    let leader: Int32

    private init(nspawn: Process, leader: Int32) {
        self.nspawn = nspawn
        self.leader = leader
    }

    static func boot(root: String, stage: TempFolder) async throws -> BootedMachine {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NspawnRoot.nspawn)
        process.arguments = [
            "--boot", "--volatile=overlay", "--keep-unit", "--register=no", "--console=passive",
            "--machine=simwatch-test-\(UInt16.random(in: 1000...65000))", "-D", root,
            "--bind-ro=\(try swiftRuntimeFolder())",
            "--bind-ro=\(SimwatchProcess.binary.path):/usr/local/bin/simwatch",
            "--bind-ro=\(stage.path)/simwatch.service:/etc/systemd/system/simwatch.service",
            "--bind-ro=\(stage.path)/etc:/etc/simwatch",
        ]
        process.environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"]
        let console = stage.path + "/console.txt"
        _ = FileManager.default.createFile(atPath: console, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: console))
        process.standardError = process.standardOutput
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // nspawn's child becomes the container's systemd once it has set up the namespaces.
        var leader: Int32?
        _ = await eventually(timeout: .seconds(30)) {
            leader = Self.child(of: process.processIdentifier)
            let name = leader.flatMap { try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8) }
            // Exactly "systemd": the helper nspawn forks first is "systemd-nspawn" and goes away.
            return name?.trimmingCharacters(in: .whitespacesAndNewlines) == "systemd" || !process.isRunning
        }
        guard let leader, process.isRunning else {
            await BootedMachine(nspawn: process, leader: 0).powerOff()
            throw NspawnError("systemd-nspawn did not start a container:\n\(stage.read("console.txt") ?? "")")
        }
        let machine = BootedMachine(nspawn: process, leader: leader)
        var booted = Tool.Result(status: -1, output: "")
        _ = await eventually(timeout: .seconds(60)) {
            booted = (try? await machine.run("/bin/systemctl", "is-system-running", "--wait")) ?? booted
            return ["running", "degraded"].contains(where: booted.output.contains)
        }
        guard ["running", "degraded"].contains(where: booted.output.contains) else {
            await machine.powerOff()
            throw NspawnError("the container's systemd did not finish booting: \(booted.output)")
        }
        return machine
    }

    /// Runs a command inside, in all of the container's namespaces.
    func run(_ arguments: String...) async throws -> Tool.Result {
        try await Tool.run(NspawnRoot.nsenter, ["-t", "\(leader)", "-a"] + arguments, limit: .seconds(90))
    }

    func journal() async throws -> String {
        try await run("/bin/journalctl", "-u", "simwatch", "--no-pager", "-o", "cat").output
    }

    func waitForJournal(timeout: Duration = .seconds(30), _ condition: @escaping (String) -> Bool) async -> Bool {
        await eventually(timeout: timeout) { condition((try? await self.journal()) ?? "") }
    }

    /// Asks the container to power off (nspawn turns SIGTERM into that) and waits until it is
    /// gone; SIGTERM is repeated, since nspawn ignores one that comes while it sets up, and
    /// SIGKILL ends it after 30 s.
    func powerOff() async {
        let process = nspawn
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while process.isRunning, clock.now < deadline {
            kill(process.processIdentifier, SIGTERM)
            _ = await eventually(timeout: .seconds(3)) { !process.isRunning }
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            _ = await eventually(timeout: .seconds(10)) { !process.isRunning }
        }
    }

    private static func child(of pid: Int32) -> Int32? {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").first.flatMap { Int32($0) }
    }

    /// The folder of the Swift runtime this test links, which the debug binary needs too.
    private static func swiftRuntimeFolder() throws -> String {
        // Read to the end: /proc files report size 0, which some readers take literally.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/maps"))
        defer { try? handle.close() }
        let maps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        guard let line = maps.split(separator: "\n").first(where: { $0.hasSuffix("/libswiftCore.so") }),
              let path = line.split(separator: " ").last else {
            throw NspawnError("cannot find libswiftCore.so in /proc/self/maps")
        }
        return (String(path) as NSString).deletingLastPathComponent
    }
}

struct NspawnError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
