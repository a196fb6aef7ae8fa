import CurlHTTP
import Foundation
import Synchronization
import Testing

@Suite struct CurlHTTPClientTests {
    @Test func concurrentGetsCompleteOverReusedConnections() async throws {
        let server = try RawHTTPServer { request in .respond(status: 200, body: Data("item \(request.target)".utf8)) }
        defer { server.stop() }
        let client = CurlHTTPClient(maxConnectionsPerHost: 8)
        defer { client.shutdown() }

        let bodies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let response = try await client.execute(HTTPRequest(url: server.url("/items/\(index)")))
                    #expect(response.status == 200)
                    return (index, String(decoding: response.body, as: UTF8.self))
                }
            }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }

        #expect(bodies.count == 200)
        for index in 0..<200 {
            #expect(bodies[index] == "item /items/\(index)")
        }
        #expect(server.requests.count == 200)
        #expect(server.acceptedConnections < 200)
        #expect(server.acceptedConnections <= 8)
    }

    @Test func sequentialRequestsShareOneConnection() async throws {
        let server = try RawHTTPServer { _ in .respond(status: 204) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        for _ in 0..<5 {
            let response = try await client.execute(HTTPRequest(url: server.url("/ping")))
            #expect(response.status == 204)
        }
        #expect(server.acceptedConnections == 1)
    }

    /// Requests sent from the transfer thread itself, one after another, as a poll cycle
    /// sends them: an answer that arrives within the turn that sent its request is still
    /// collected before the thread sleeps. The thread's idle sleep is lengthened to a
    /// minute, so one missed answer stalls the run far past the deadline.
    @Test func answersArrivingWithTheirRequestAreNeverSleptThrough() async throws {
        let server = try RawHTTPServer { _ in .respond(status: 204) }
        defer { server.stop() }
        let client = CurlHTTPClient(maxConnectionsPerHost: 1, maxConnections: 1, idlePoll: .seconds(60))
        defer { client.shutdown() }
        let url = server.url("/ping")

        let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await withTaskExecutorPreference(client.taskExecutor) { () async throws -> Void in
                    for _ in 0..<500 {
                        let response = try await client.execute(HTTPRequest(url: url))
                        #expect(response.status == 204)
                    }
                }
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        #expect(finished, "a request's answer waited for the transfer thread's idle timeout")
    }

    @Test func silentServerTimesOutWithinTheTimeout() async throws {
        let server = try RawHTTPServer { _ in .silence }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        let started = ContinuousClock.now
        await #expect(throws: HTTPClientError.timedOut(after: .seconds(1))) {
            try await client.execute(HTTPRequest(url: server.url("/slow"), timeout: .seconds(1)))
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(900))
        // A silent server would hold the request forever. The margin is wide because the
        // caller resumes on the concurrency pool, which a busy test process can hold up for seconds.
        #expect(elapsed < .seconds(30))
    }

    @Test func cancellingTheTaskAbandonsTheTransfer() async throws {
        let server = try RawHTTPServer { _ in .silence }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        let task = Task { try await client.execute(HTTPRequest(url: server.url("/hang"), timeout: .seconds(30))) }
        try await waitUntil { server.requests.count == 1 }
        #expect(server.requests.count == 1)

        let cancelled = ContinuousClock.now
        task.cancel()
        let result = await task.result
        // Without cancellation the request would run into its 30 s timeout. The margin is wide
        // because the caller resumes on the concurrency pool, which a busy test process can
        // hold up for seconds.
        #expect(ContinuousClock.now - cancelled < .seconds(20))
        #expect(throws: CancellationError.self) { try result.get() }
        // The half-finished connection is closed, not kept for reuse.
        try await waitUntil { server.closedConnections == 1 }
        #expect(server.closedConnections == 1)
    }

    @Test func alreadyCancelledTaskNeverStartsTheTransfer() async throws {
        let server = try RawHTTPServer { _ in .respond(status: 200) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.execute(HTTPRequest(url: server.url("/never")))
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(server.acceptedConnections == 0)
    }

    @Test func cancellationsRacingCompletionsLeaveTheClientWorking() async throws {
        // Arrivals after the 20th hang until the cancellations went out, so the race always
        // has both outcomes, however loaded the machine is.
        let gate = DispatchSemaphore(value: 0)
        let arrivals = Mutex(0)
        let server = try RawHTTPServer { request in
            if arrivals.withLock({ $0 += 1; return $0 }) > 20 { gate.wait() }
            return .respond(status: 200, body: Data(request.target.utf8))
        }
        defer { for _ in 0..<100 { gate.signal() } }
        defer { server.stop() }
        let client = CurlHTTPClient(maxConnectionsPerHost: 4)
        defer { client.shutdown() }

        let finished = FinishedCount()
        let tasks = (0..<100).map { index in
            Task {
                let response = try await client.execute(HTTPRequest(url: server.url("/race/\(index)")))
                finished.count.withLock { $0 += 1 }
                return response
            }
        }
        // Cancel while some are done, some on the wire, some waiting for a connection.
        // 24 arrivals over 4 connections: the first 20 answers were read in full, and at
        // least one caller has its answer (a stalled pool must not turn the race one-sided).
        try await waitUntil(.seconds(30)) { arrivals.withLock { $0 } >= 24 && finished.count.withLock { $0 } >= 1 }
        tasks.forEach { $0.cancel() }
        for _ in 0..<100 { gate.signal() }

        var completed = 0
        var cancelled = 0
        for (index, task) in tasks.enumerated() {
            switch await task.result {
            case .success(let response):
                #expect(response.body == Data("/race/\(index)".utf8))
                completed += 1
            case .failure(let error):
                #expect(error is CancellationError)
                cancelled += 1
            }
        }
        #expect(completed > 0)
        #expect(cancelled > 0)
        let after = try await client.execute(HTTPRequest(url: server.url("/after")))
        #expect(after.body == Data("/after".utf8))
    }

    @Test func oversizedBodyWithContentLengthIsRefused() async throws {
        let server = try RawHTTPServer { _ in .respond(status: 200, body: Data(count: 2 << 20)) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        await #expect(throws: HTTPClientError.responseTooLarge(limit: 1 << 20)) {
            try await client.execute(HTTPRequest(url: server.url("/big")))
        }
    }

    @Test func oversizedBodyOfUnknownLengthIsAbortedAtTheCap() async throws {
        let server = try RawHTTPServer { request in
            .respondUntilClose(status: 200, body: Data(count: request.target == "/fits" ? 1_000 : 1_001))
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        let fitting = try await client.execute(HTTPRequest(url: server.url("/fits"), maxResponseBytes: 1_000))
        #expect(fitting.body.count == 1_000)
        await #expect(throws: HTTPClientError.responseTooLarge(limit: 1_000)) {
            try await client.execute(HTTPRequest(url: server.url("/too-big"), maxResponseBytes: 1_000))
        }
    }

    @Test func postBodyAndHeadersArriveIntact() async throws {
        let server = try RawHTTPServer { request in
            .respond(status: 201, headers: [("X-Echo-Length", "\(request.body.count)")], body: request.body)
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        // Binary, with zero bytes, and long enough that libcurl would otherwise send Expect: 100-continue.
        let payload = Data((0..<5_000).map { UInt8(truncatingIfNeeded: $0) })

        let response = try await client.execute(HTTPRequest(
            method: "POST",
            url: server.url("/hook"),
            headers: [("Content-Type", "application/json"), ("X-Simwatch-Test", "a: b, c"), ("X-Empty", "")],
            body: payload
        ))

        #expect(response.status == 201)
        #expect(response.body == payload)
        #expect(response.header("x-echo-length") == "5000")
        let received = try #require(server.requests.first)
        #expect(received.method == "POST")
        #expect(received.target == "/hook")
        #expect(received.body == payload)
        #expect(received.header("Content-Type") == "application/json")
        #expect(received.header("X-Simwatch-Test") == "a: b, c")
        #expect(received.header("X-Empty") == "")
        #expect(received.header("Expect") == nil)
    }

    @Test func otherMethodsAreSentVerbatim() async throws {
        let server = try RawHTTPServer { _ in .respond(status: 200) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        _ = try await client.execute(HTTPRequest(method: "PUT", url: server.url("/a"), body: Data("x".utf8)))
        _ = try await client.execute(HTTPRequest(method: "DELETE", url: server.url("/b")))
        _ = try await client.execute(HTTPRequest(url: server.url("/c")))
        #expect(server.requests.map(\.method) == ["PUT", "DELETE", "GET"])
        #expect(server.requests.first?.body == Data("x".utf8))
    }

    @Test func basicAuthGoesInTheHeaderNotTheURL() async throws {
        let server = try RawHTTPServer { _ in .respond(status: 200) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        _ = try await client.execute(HTTPRequest(
            url: server.url("/rws/api/v1/devices"),
            basicAuth: BasicAuth(username: "apiuser", password: "s3cret-api-key")
        ))

        let received = try #require(server.requests.first)
        let expected = "Basic " + Data("apiuser:s3cret-api-key".utf8).base64EncodedString()
        #expect(received.header("Authorization") == expected)
        #expect(received.target == "/rws/api/v1/devices")
        #expect(!received.target.contains("s3cret"))
    }

    @Test func aRequestsOwnAuthorizationHeaderWinsOverItsBasicAuth() async throws {
        let server = try RawHTTPServer { _ in .respond(status: 200) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        _ = try await client.execute(HTTPRequest(
            url: server.url("/alerts"), headers: [("authorization", "GenieKey own-key")],
            basicAuth: BasicAuth(username: "apiuser", password: "s3cret-api-key")))

        let received = try #require(server.requests.first)
        #expect(received.headers.filter { $0.name.lowercased() == "authorization" }.map(\.value) == ["GenieKey own-key"])
    }

    @Test(arguments: [("file:///etc/passwd", "file"), ("gopher://127.0.0.1/", "gopher"), ("ftp://127.0.0.1/x", "ftp")])
    func onlyHTTPAndHTTPSAreAllowed(url: String, scheme: String) async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        await #expect(throws: HTTPClientError.unsupportedProtocol(scheme)) {
            try await client.execute(HTTPRequest(url: url))
        }
    }

    @Test func redirectIsReturnedNotFollowed() async throws {
        let server = try RawHTTPServer { request in
            request.target == "/old"
                ? .respond(status: 302, headers: [("Location", "/new")])
                : .respond(status: 200, body: Data("followed".utf8))
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        let response = try await client.execute(HTTPRequest(url: server.url("/old")))
        #expect(response.status == 302)
        #expect(response.header("location") == "/new")
        #expect(response.body.isEmpty)
        #expect(server.requests.map(\.target) == ["/old"])
    }

    @Test func refusedConnectionIsConnectionFailedWithoutThePath() async throws {
        // Bound but not listening: the kernel refuses connections, and no one else can take the port.
        let (socket, port) = try RawHTTPServer.bindLoopback(listen: false)
        defer { close(socket) }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        let url = "http://127.0.0.1:\(port)/hooks/T000/B000/secrettoken123?key=abcdefgh"
        let error = await #expect(throws: HTTPClientError.self) {
            try await client.execute(HTTPRequest(url: url))
        }
        guard case .connectionFailed? = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        let message = error.map(String.init(describing:)) ?? ""
        #expect(message.contains("127.0.0.1"))
        #expect(!message.contains("secrettoken123"))
        #expect(!message.contains("abcdefgh"))
    }

    @Test func headerWithLineBreakIsRefusedBeforeSending() async throws {
        let server = try RawHTTPServer { _ in .respond(status: 200) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        await #expect(throws: HTTPClientError.self) {
            try await client.execute(HTTPRequest(url: server.url("/"), headers: [("X-Bad", "a\r\nInjected: yes")]))
        }
        #expect(server.acceptedConnections == 0)
    }

    @Test func shutdownFailsPendingAndLaterRequests() async throws {
        let server = try RawHTTPServer { _ in .silence }
        defer { server.stop() }
        let client = CurlHTTPClient()

        let pending = Task { try await client.execute(HTTPRequest(url: server.url("/hang"), timeout: .seconds(30))) }
        try await waitUntil { server.requests.count == 1 }
        client.shutdown()
        client.shutdown()

        await #expect(throws: HTTPClientError.shutDown) { try await pending.value }
        await #expect(throws: HTTPClientError.shutDown) {
            try await client.execute(HTTPRequest(url: server.url("/later")))
        }
    }
}

/// How many racing callers got their answer; a class, so that each task can share it.
private final class FinishedCount: Sendable {
    let count = Mutex(0)
}
