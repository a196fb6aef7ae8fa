import CurlHTTP
import Foundation
import Logging
import ServiceLifecycle
import Testing
@testable import SimWatchCore
@testable import SimWatchDaemon

/// `/metrics` and `/healthz` over HTTP, through the real FlyingFox server.
@Suite struct MetricsTests {
    static let logger = Logger(label: "metrics-test") { _ in SwiftLogNoOpLogHandler() }

    private func get(_ port: UInt16, _ path: String, method: String = "GET") async throws -> CurlHTTP.HTTPResponse {
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        return try await http.execute(HTTPRequest(method: method, url: "http://127.0.0.1:\(port)\(path)"))
    }

    @Test func servesMetricsHealthAndNotFound() async throws {
        let start = Date()
        let metrics = SimwatchMetrics(pollInterval: .seconds(60), now: { start })
        metrics.recordPoll(result: .ok, duration: .milliseconds(80))
        metrics.recordDelivery(webhook: "ops-chat", result: .delivered, events: 2)
        let server = try await RunningMetricsServer.start(listen: "127.0.0.1:0", metrics: metrics, logger: Self.logger)
        defer { Task { await server.stop() } }
        #expect(server.port != 0)

        let scrape = try await get(server.port, "/metrics")
        #expect(scrape.status == 200)
        #expect(scrape.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        let body = String(decoding: scrape.body, as: UTF8.self)
        #expect(body.contains("# TYPE simwatch_polls_total counter"))
        #expect(body.contains(#"simwatch_polls_total{result="ok"} 1"#))
        #expect(body.contains(#"simwatch_deliveries_total{webhook="ops-chat",result="delivered"} 1"#))
        #expect(body.contains(#"simwatch_build_info{version="\#(SimWatchVersion.current)"} 1"#))

        let healthy = try await get(server.port, "/healthz")
        #expect(healthy.status == 200)
        #expect(String(decoding: healthy.body, as: UTF8.self) == "ok\n")

        metrics.recordCycle(succeeded: false, duration: .seconds(1), devices: 1, failure: "API unreachable")
        let unhealthy = try await get(server.port, "/healthz")
        #expect(unhealthy.status == 503)
        #expect(String(decoding: unhealthy.body, as: UTF8.self)
            == "no poll cycle has succeeded since the start; the last one failed: API unreachable\n")

        let missing = try await get(server.port, "/")
        #expect(missing.status == 404)
        #expect(try await get(server.port, "/metrics/extra").status == 404)
        let post = try await get(server.port, "/metrics", method: "POST")
        #expect(post.status == 405)
        #expect(post.header("Allow") == "GET")
    }

    @Test func scrapesSeeLaterUpdates() async throws {
        let metrics = SimwatchMetrics()
        let server = try await RunningMetricsServer.start(listen: "127.0.0.1:0", metrics: metrics, logger: Self.logger)
        defer { Task { await server.stop() } }
        metrics.setOutboxSize(3)
        #expect(String(decoding: try await get(server.port, "/metrics").body, as: UTF8.self)
            .contains("simwatch_outbox_events 3.0"))
        metrics.setOutboxSize(0)
        #expect(String(decoding: try await get(server.port, "/metrics").body, as: UTF8.self)
            .contains("simwatch_outbox_events 0.0"))
    }

    @Test func addressInUseNamesTheAddress() async throws {
        let metrics = SimwatchMetrics()
        let holder = try await RunningMetricsServer.start(listen: "127.0.0.1:0", metrics: metrics, logger: Self.logger)
        defer { Task { await holder.stop() } }
        let listen = "127.0.0.1:\(holder.port)"
        let service = MetricsServer(listen: listen, metrics: metrics, logger: Self.logger)
        let error = await #expect(throws: MetricsServerError.self) { try await service.run() }
        #expect(error == .cannotListen(address: listen, reason: "address already in use"))
        #expect(error?.description == "metrics.listen \(listen): address already in use")
    }

    @Test(arguments: ["metrics.example.net:9464", "127.0.0.1", "127.0.0.1:http", "999.1.1.1:9464"])
    func unusableAddressIsAClearError(_ listen: String) async throws {
        let error = await #expect(throws: MetricsServerError.self) {
            _ = try await RunningMetricsServer.start(listen: listen, metrics: SimwatchMetrics(), logger: Self.logger)
        }
        #expect(error?.description.hasPrefix("metrics.listen \(listen): expected host:port") == true)
    }

    @Test func localhostMeansIPv4Loopback() async throws {
        let server = try await RunningMetricsServer.start(listen: "localhost:0", metrics: SimwatchMetrics(), logger: Self.logger)
        defer { Task { await server.stop() } }
        #expect(try await get(server.port, "/healthz").status == 200)
    }

    @Test func serviceStopsOnGracefulShutdown() async throws {
        let (ports, portsIn) = AsyncStream.makeStream(of: UInt16.self)
        let service = MetricsServer(listen: "127.0.0.1:0", metrics: SimwatchMetrics(), logger: Self.logger) {
            portsIn.yield($0)
        }
        let group = ServiceGroup(services: [service], logger: Self.logger)
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        #expect(try await get(port, "/healthz").status == 200)

        await group.triggerGracefulShutdown()
        try await running.value
        await #expect(throws: HTTPClientError.self) { _ = try await get(port, "/healthz") }
    }

    @Test func serviceStopsOnCancellation() async throws {
        let (ports, portsIn) = AsyncStream.makeStream(of: UInt16.self)
        let service = MetricsServer(listen: "127.0.0.1:0", metrics: SimwatchMetrics(), logger: Self.logger) {
            portsIn.yield($0)
        }
        let running = Task { try await service.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        #expect(try await get(port, "/metrics").status == 200)

        running.cancel()
        try await running.value
        await #expect(throws: HTTPClientError.self) { _ = try await get(port, "/metrics") }
    }
}
