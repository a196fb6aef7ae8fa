import CurlHTTP
import Foundation
import Testing

@Suite(.serialized) struct DaemonMetricsTests {
    /// A port that was free a moment ago.
    static func freePort() throws -> UInt16 {
        let server = try SilentServer()
        return server.port
    }

    @Test func runServesMetricsThatPromtoolAccepts() async throws {
        let port = try Self.freePort()
        let fixture = try await Fixture.start(extraYAML: "metrics: { listen: 127.0.0.1:\(port) }", interval: "1s")
        defer { Task { await fixture.stop() } }
        let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
        #expect(await daemon.waitForLog { $0.contains("cycle finished") })
        _ = await fixture.simulator.update(fixture.iccids[0]) { $0.status = $0.status == "RETIRED" ? "ACTIVATED" : "RETIRED" }
        #expect(await eventually { await !fixture.sink.requests.isEmpty })

        let http = CurlHTTPClient()
        defer { http.shutdown() }
        var text = ""
        // The delivery is counted just after the sink answers.
        #expect(await eventually {
            guard let scrape = try? await http.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/metrics")) else { return false }
            text = String(decoding: scrape.body, as: UTF8.self)
            return text.contains(#"simwatch_deliveries_total{webhook="ops",result="delivered"}"#)
        })
        for family in [
            "simwatch_polls_total", "simwatch_poll_duration_seconds", "simwatch_cycle_duration_seconds",
            "simwatch_devices", "simwatch_events_total", "simwatch_deliveries_total", "simwatch_outbox_events",
            "simwatch_last_successful_cycle_timestamp_seconds", "simwatch_state_save_duration_seconds",
        ] {
            #expect(text.contains("# TYPE \(family) "), "missing \(family)")
        }
        #expect(text.contains(#"simwatch_events_total{kind="status_changed"} 1"#))
        #expect(text.contains(#"simwatch_polls_total{result="ok"}"#))
        #expect(text.contains("simwatch_devices 3"))
        #expect(text.contains(#"simwatch_webhook_queued_events{webhook="ops"}"#))
        #expect(!text.contains("CANARY"))
        let health = try await http.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/healthz"))
        #expect(health.status == 200)

        if let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: FileManager.default.isExecutableFile) {
            let file = "\(fixture.folder.path)/metrics.txt"
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "\(promtool) check metrics < \(file)"]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "promtool check metrics rejected /metrics")
        } else {
            Issue.record("promtool is not installed (Debian: apt-get install prometheus); `make test` installs it")
        }
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: .seconds(5)) == 0)
    }
}
