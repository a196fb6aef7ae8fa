import Foundation
import Simulator
import Testing

@Suite(.serialized) struct RunTests {
    @Test func eventDetectedBeforeACrashIsDeliveredAfterRestartWithTheSameID() async throws {
        let fixture = try await Fixture.start(interval: "1s")
        defer { Task { await fixture.stop() } }
        await fixture.sink.failAll(status: 503)
        let first = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
        #expect(await eventually { (try? fixture.state().cycle) ?? 0 >= 1 })
        let iccid = fixture.iccids[1]
        _ = await fixture.simulator.update(iccid) { $0.status = $0.status == "RETIRED" ? "ACTIVATED" : "RETIRED" }
        #expect(await eventually { (try? fixture.state().outbox.count) == 1 })
        first.signal(SIGKILL)
        _ = await first.waitForExit(timeout: .seconds(5))
        let saved = try #require(try fixture.state().outbox.first?.event)
        #expect(saved.kind == .statusChanged)
        // A retry the killed daemon sent just before it died may still be on its way through
        // the sink: it must be answered 503 and cleared, not counted as the restart's delivery.
        await fixture.sink.waitUntilQuiet(for: .milliseconds(500))

        await fixture.sink.recover()
        await fixture.sink.clearRequests()
        let second = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
        #expect(await eventually { ((try? await fixture.deliveredEvents()) ?? []).contains { $0.id == saved.id } })
        second.signal(SIGTERM)
        #expect(await second.waitForExit(timeout: .seconds(5)) == 0)
        #expect(try fixture.state().outbox.isEmpty)
        let delivered = try await fixture.deliveredEvents().filter { $0.kind == .statusChanged }
        #expect(delivered.map(\.id) == [saved.id])
    }

    @Test func sigtermDuringACycleExitsCleanlyWithAValidStateFile() async throws {
        let fixture = try await Fixture.start(devices: 6, interval: "1s")
        defer { Task { await fixture.stop() } }
        #expect(try await fixture.once().status == 0)
        await fixture.simulator.injectFault(fault: .delay(.seconds(8)))
        let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
        #expect(await eventually { await fixture.simulator.requests().count > 6 })
        let clock = ContinuousClock()
        let start = clock.now
        daemon.signal(SIGTERM)
        let status = await daemon.waitForExit(timeout: .seconds(10))
        #expect(status == 0, "stderr: \(daemon.stderr)")
        #expect(clock.now - start < .seconds(5))
        #expect(try fixture.state().devices.count == 6)
        #expect(daemon.stderr.contains("state saved"))
    }

    @Test func talksToSystemdOverTheNotifySocket() async throws {
        let fixture = try await Fixture.start(interval: "1s")
        defer { Task { await fixture.stop() } }
        let socket = try DatagramReceiver(path: "\(fixture.folder.path)/notify.sock")
        var environment = fixture.environment
        environment["NOTIFY_SOCKET"] = socket.path
        let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: environment)
        #expect(await socket.waitFor { $0 == "READY=1" } != nil)
        let status = await socket.waitFor { $0.hasPrefix("STATUS=cycle ") }
        #expect(status?.contains("3 devices, 0 events, 0 failed, next in") == true, "got \(status ?? "nothing")")
        daemon.signal(SIGHUP)
        let reloading = await socket.waitFor { $0.hasPrefix("RELOADING=1") }
        #expect(reloading?.contains("MONOTONIC_USEC=") == true)
        #expect(await socket.waitFor { $0 == "READY=1" } != nil)
        #expect(await daemon.waitForLog { $0.contains("configuration reloaded") })
        daemon.signal(SIGTERM)
        #expect(await socket.waitFor { $0 == "STOPPING=1" } != nil)
        #expect(await daemon.waitForExit(timeout: .seconds(5)) == 0)
    }

    @Test func invalidConfigOnReloadKeepsTheOldOne() async throws {
        let fixture = try await Fixture.start(interval: "1s")
        defer { Task { await fixture.stop() } }
        let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
        #expect(await daemon.waitForLog { $0.contains("cycle finished") })
        let good = try #require(fixture.folder.read("simwatch.yaml"))
        try fixture.folder.write("simwatch.yaml", good.replacingOccurrences(of: "interval: 1s", with: "intervall: 1s"))
        daemon.signal(SIGHUP)
        #expect(await daemon.waitForLog { $0.contains("configuration reload failed") && $0.contains("intervall") })
        let cyclesBefore = daemon.stderr.components(separatedBy: "cycle finished").count
        #expect(await daemon.waitForLog { $0.components(separatedBy: "cycle finished").count > cyclesBefore })
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: .seconds(5)) == 0)
    }
}

/// A Unix datagram socket standing in for systemd's notify socket.
final class DatagramReceiver: Sendable {
    let path: String
    let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(fd) }

    /// The next datagram matching `match`, skipping others; `nil` after `timeout`.
    func waitFor(timeout: Duration = eventuallyTimeout, _ match: (String) -> Bool) async -> String? {
        var found: String?
        _ = await eventually(timeout: timeout) {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                guard count > 0 else { return false }
                let message = String(decoding: buffer[..<count], as: UTF8.self)
                if match(message) { found = message; return true }
            }
        }
        return found
    }
}
