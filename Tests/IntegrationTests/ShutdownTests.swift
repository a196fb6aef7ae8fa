import Foundation
import Simulator
import Testing

/// The daemon's lifecycle with the real binary: shutdown, hygiene, reload, the unit.
///
/// One serialized suite around them all, so that these process-heavy tests add one stream
/// of work to a parallel test run rather than four.
@Suite(.serialized) enum DaemonLifecycle {}

extension DaemonLifecycle {
    /// SIGTERM drains instead of cutting: the rules of DESIGN.md "Shutdown", with the real binary.
    @Suite struct ShutdownTests {
        func flip(_ fixture: Fixture, _ iccid: String) async {
            _ = await fixture.simulator.update(iccid) { $0.status = $0.status == "RETIRED" ? "ACTIVATED" : "RETIRED" }
        }

        @Test func aPostInFlightAtSigtermIsAnsweredAndNotSentAgainAfterARestart() async throws {
            let fixture = try await Fixture.start(interval: "1s")
            defer { Task { await fixture.stop() } }
            let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
            #expect(await eventually { (try? fixture.state().cycle) ?? 0 >= 1 })
            await fixture.sink.holdNext(1, for: .seconds(3))
            await flip(fixture, fixture.iccids[0])
            #expect(await eventually { await fixture.sink.holding == 1 }, "the alert never reached the sink")
            let clock = ContinuousClock()
            let signalled = clock.now
            daemon.signal(SIGTERM)
            let status = await daemon.waitForExit(timeout: .seconds(15))
            #expect(status == 0, "stderr: \(daemon.stderr)")
            #expect(clock.now - signalled < .seconds(15))
            // The held POST was answered (200) rather than cut off, and the outbox knows it.
            let requests = await fixture.sink.requests
            #expect(requests.map(\.status) == [200])
            #expect(try fixture.state().outbox.isEmpty)
            #expect(!daemon.stderr.contains("alerts not delivered before shutdown"))

            let again = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
            #expect(await again.waitForLog { $0.components(separatedBy: "cycle finished").count > 2 })
            again.signal(SIGTERM)
            #expect(await again.waitForExit(timeout: .seconds(15)) == 0)
            let delivered = try await fixture.deliveredEvents().filter { $0.kind == .statusChanged }
            #expect(delivered.count == 1, "sent \(delivered.count) times")
        }

        @Test func eventsRaisedBeforeTheSignalGoOutWithoutWaitingForGroupWait() async throws {
            // Three devices over 30 s: the first answers at once, the cycle would end 20 s later,
            // and group_wait would hold the event for 10 minutes.
            let fixture = try await Fixture.start(extraYAML: "delivery: { group_wait: 10m, max_age: 1h }", interval: "30s")
            defer { Task { await fixture.stop() } }
            #expect(try await fixture.once().status == 0)
            await fixture.sink.clearRequests()
            await flip(fixture, fixture.iccids[0])
            let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
            #expect(await daemon.waitForLog { $0.contains("status_changed") })
            // Saved within a second of the event, as always, so it may be delivered.
            #expect(await eventually { ((try? fixture.state().outbox.count) ?? 0) == 1 })
            #expect(await fixture.sink.requests.isEmpty)
            let clock = ContinuousClock()
            let signalled = clock.now
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0, "stderr: \(daemon.stderr)")
            #expect(clock.now - signalled < .seconds(10))
            #expect(try await fixture.deliveredEvents(successfulOnly: true).map(\.kind) == [.statusChanged])
            #expect(try fixture.state().outbox.isEmpty)
            // No poll started after the signal: the other two devices were not asked again.
            let polled = await fixture.simulator.requests().filter { $0.path.contains(fixture.iccids[2]) }.count
            #expect(polled == 1, "the third device was polled \(polled) times (once by `once`)")
        }

        @Test func aPollInFlightAtSigtermFinishesAndItsEventIsDelivered() async throws {
            let fixture = try await Fixture.start(interval: "30s")
            defer { Task { await fixture.stop() } }
            #expect(try await fixture.once().status == 0)
            await fixture.sink.clearRequests()
            await fixture.simulator.resetLog()
            await flip(fixture, fixture.iccids[0])
            // The first device's answer takes 1.5 s (within the 2 s timeout); the next poll would start 10 s later.
            await fixture.simulator.injectFault(iccid: fixture.iccids[0], fault: .delay(.milliseconds(1500)), count: 1)
            let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
            #expect(await eventually { await fixture.simulator.inFlightPeak >= 1 }, "the slow poll never started")
            let clock = ContinuousClock()
            let signalled = clock.now
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0, "stderr: \(daemon.stderr)")
            #expect(clock.now - signalled < .seconds(15))
            // Answered, recorded, saved and delivered, rather than cut off and lost until the next start.
            let answered = await fixture.simulator.requests().filter { $0.iccid == fixture.iccids[0] }
            #expect(answered.map(\.faults) == [["delay"]])
            #expect(try await fixture.deliveredEvents(successfulOnly: true).map(\.kind) == [.statusChanged])
            #expect(try fixture.state().outbox.isEmpty)
            #expect(await fixture.simulator.requests().count == 1, "a poll started after the signal")
        }

        @Test func aDeadWebhookCostsAtMostTheDeliveryGrace() async throws {
            let fixture = try await Fixture.start(interval: "1s")
            defer { Task { await fixture.stop() } }
            let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
            #expect(await eventually { (try? fixture.state().cycle) ?? 0 >= 1 })
            await fixture.sink.failAll(status: 503)
            await flip(fixture, fixture.iccids[0])
            #expect(await eventually { await !fixture.sink.requests.isEmpty })
            let clock = ContinuousClock()
            let signalled = clock.now
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0, "stderr: \(daemon.stderr)")
            #expect(clock.now - signalled < .seconds(12))
            // Kept for the next start, and said so.
            #expect(try fixture.state().outbox.count == 1)
            #expect(daemon.stderr.contains("alerts not delivered before shutdown"))
        }
    }

    /// Process hygiene and the systemd watchdog, as the running binary shows them.
    @Suite struct DaemonHygieneTests {
        @Test func watchdogPingsKeepComingDuringASlowRequest() async throws {
            let fixture = try await Fixture.start(devices: 1, extraYAML: "", interval: "1s")
            defer { Task { await fixture.stop() } }
            #expect(try await fixture.once().status == 0)
            // Every answer takes 6 s: three times WatchdogSec/2.
            await fixture.simulator.injectFault(fault: .delay(.seconds(6)))
            let socket = try DatagramReceiver(path: "\(fixture.folder.path)/notify.sock")
            var environment = fixture.environment
            environment["NOTIFY_SOCKET"] = socket.path
            environment["WATCHDOG_USEC"] = "2000000"
            let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: environment)
            #expect(await socket.waitFor { $0 == "READY=1" } != nil)
            #expect(await eventually { await fixture.simulator.requests().count >= 2 }, "the slow poll never started")
            let clock = ContinuousClock()
            var pings: [ContinuousClock.Instant] = []
            let until = clock.now + .seconds(5)
            while clock.now < until {
                if await socket.waitFor(timeout: .milliseconds(100), { $0 == "WATCHDOG=1" }) != nil { pings.append(clock.now) }
            }
            let gaps = zip(pings.dropFirst(), pings).map { $0 - $1 }
            #expect(pings.count >= 8, "\(pings.count) pings in 5 s")
            #expect(gaps.allSatisfy { $0 <= .seconds(1) }, "gaps between pings: \(gaps)")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func aHangupRightAfterReadyReloadsInsteadOfKilling() async throws {
            let fixture = try await Fixture.start(interval: "1s")
            defer { Task { await fixture.stop() } }
            let socket = try DatagramReceiver(path: "\(fixture.folder.path)/notify.sock")
            var environment = fixture.environment
            environment["NOTIFY_SOCKET"] = socket.path
            let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: environment)
            #expect(await socket.waitFor(timeout: .seconds(20)) { $0 == "READY=1" } != nil)
            daemon.signal(SIGHUP)
            #expect(await daemon.waitForLog { $0.contains("configuration reloaded") }, "stderr: \(daemon.stderr)")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") || getuid() != 0,
                       "running as root without setpriv: cannot see dumpability from outside"),
              arguments: [false, true])
        func theProcessIsNotDumpableUnlessAllowed(allowCore: Bool) async throws {
            let folder = try TempFolder()
            let daemon = try HygieneChild(folder: folder, allowCore: allowCore)
            // A non-dumpable process's /proc entries belong to root; otherwise to its own user.
            // The check runs first thing in main, a moment after exec renames the process.
            let expected: uid_t = allowCore ? daemon.uid : 0
            var owner: uid_t?
            _ = await eventually(timeout: .seconds(10)) {
                owner = daemon.procOwner()
                return daemon.started && owner == expected
            }
            #expect(daemon.started)
            #expect(owner == expected, "owner of /proc/\(daemon.pid): \(owner.map { "\($0)" } ?? "none")")
            await daemon.stop()
        }
    }

}

/// `simwatch simulate` run as an unprivileged user, so that /proc shows whether it is dumpable.
private final class HygieneChild: Sendable {
    let process: Process
    let uid: uid_t
    var pid: Int32 { process.processIdentifier }

    init(folder: TempFolder, allowCore: Bool) throws {
        process = Process()
        let arguments = ["simulate", "--listen", "127.0.0.1:0", "--devices", "1"]
        if getuid() == 0 {
            uid = 65534
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", SimwatchProcess.binary.path] + arguments
        } else {
            uid = getuid()
            process.executableURL = SimwatchProcess.binary
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": folder.path]
            .merging(allowCore ? ["SIMWATCH_ALLOW_CORE": "1"] : [:]) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// True once setpriv has exec'd simwatch (the name in /proc changed).
    var started: Bool {
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("simwatch") == true
    }

    func procOwner() -> uid_t? {
        var info = stat()
        guard stat("/proc/\(pid)/status", &info) == 0 else { return nil }
        return info.st_uid
    }

    /// Ends it without blocking a thread of the concurrency pool.
    func stop() async {
        process.terminate()
        _ = await eventually(timeout: .seconds(10)) { !self.process.isRunning }
    }
}
