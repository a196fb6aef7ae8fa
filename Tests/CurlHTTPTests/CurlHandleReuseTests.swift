import CurlHTTP
import Foundation
import Testing

/// Easy handles are reset and reused: nothing of one request may reach the next.
@Suite struct CurlHandleReuseTests {
    @Test func credentialsHeadersMethodAndBodyDoNotCarryOver() async throws {
        let server = try RawHTTPServer { _ in .respond(status: 200, body: Data("ok".utf8)) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        _ = try await client.execute(HTTPRequest(
            method: "POST", url: server.url("/first"), headers: [("X-Only-First", "1")], body: Data("payload".utf8),
            basicAuth: BasicAuth(username: "user", password: "secret-password")))
        _ = try await client.execute(HTTPRequest(url: server.url("/second")))
        _ = try await client.execute(HTTPRequest(method: "DELETE", url: server.url("/third")))
        _ = try await client.execute(HTTPRequest(url: server.url("/fourth")))

        let requests = server.requests
        try #require(requests.count == 4)
        #expect(requests[0].method == "POST" && requests[0].body == Data("payload".utf8))
        #expect(requests[0].header("Authorization") != nil && requests[0].header("X-Only-First") == "1")
        for later in requests[1...] {
            #expect(later.header("Authorization") == nil, "\(later.target)")
            #expect(later.header("X-Only-First") == nil, "\(later.target)")
            #expect(later.body.isEmpty, "\(later.target)")
        }
        #expect(requests.map(\.method) == ["POST", "GET", "DELETE", "GET"])
    }

    @Test func responsesAndErrorsStayWithTheirOwnRequest() async throws {
        let server = try RawHTTPServer { request in
            request.target == "/big"
                ? .respond(status: 200, headers: [("X-Big", "1")], body: Data(repeating: 0x61, count: 4_096))
                : .respond(status: 204)
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }

        await #expect(throws: HTTPClientError.responseTooLarge(limit: 100)) {
            try await client.execute(HTTPRequest(url: server.url("/big"), maxResponseBytes: 100))
        }
        for _ in 0..<3 {
            let small = try await client.execute(HTTPRequest(url: server.url("/small")))
            #expect(small.status == 204 && small.body.isEmpty && small.header("X-Big") == nil)
            let big = try await client.execute(HTTPRequest(url: server.url("/big")))
            #expect(big.status == 200 && big.body.count == 4_096 && big.header("X-Big") == "1")
        }
        // A refused URL between reused handles changes nothing for the next request.
        await #expect(throws: HTTPClientError.unsupportedProtocol("ftp")) {
            try await client.execute(HTTPRequest(url: "ftp://127.0.0.1/file"))
        }
        #expect(try await client.execute(HTTPRequest(url: server.url("/small"))).status == 204)
    }

    @Test func requestsOfOneShapeEachCarryTheirOwnURLCredentialsAndHeaders() async throws {
        let server = try RawHTTPServer { request in .respond(status: 200, body: Data(request.target.utf8)) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let auth = BasicAuth(username: "apiuser", password: "s3cret-api-key")

        for index in 0..<6 {
            let response = try await client.execute(HTTPRequest(
                url: server.url("/devices/\(index)/ctdUsages"), headers: [("Accept", "application/json")], basicAuth: auth))
            #expect(String(decoding: response.body, as: UTF8.self) == "/devices/\(index)/ctdUsages")
        }
        let expected = "Basic " + Data("apiuser:s3cret-api-key".utf8).base64EncodedString()
        #expect(server.requests.map(\.target) == (0..<6).map { "/devices/\($0)/ctdUsages" })
        #expect(server.requests.allSatisfy { $0.header("Authorization") == expected && $0.header("Accept") == "application/json" })
    }

    @Test func aRequestOfAnotherShapeIsSetUpAfresh() async throws {
        let server = try RawHTTPServer { _ in .respond(status: 200) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let first = BasicAuth(username: "apiuser", password: "first-key")

        _ = try await client.execute(HTTPRequest(url: server.url("/a"), headers: [("X-Trace", "1")], basicAuth: first))
        _ = try await client.execute(HTTPRequest(
            url: server.url("/b"), headers: [("X-Trace", "1")], basicAuth: BasicAuth(username: "apiuser", password: "second-key")))
        _ = try await client.execute(HTTPRequest(url: server.url("/c"), headers: [("X-Other", "2")], basicAuth: first))
        _ = try await client.execute(HTTPRequest(url: server.url("/d")))
        _ = try await client.execute(HTTPRequest(method: "HEAD", url: server.url("/e")))

        let requests = server.requests
        try #require(requests.count == 5)
        #expect(requests[1].header("Authorization") == "Basic " + Data("apiuser:second-key".utf8).base64EncodedString())
        #expect(requests[2].header("X-Trace") == nil && requests[2].header("X-Other") == "2")
        #expect(requests[3].header("Authorization") == nil && requests[3].header("X-Other") == nil)
        #expect(requests.map(\.method) == ["GET", "GET", "GET", "GET", "HEAD"])
    }

    @Test func aHandleThatFailedCarriesTheNextRequestOfItsShape() async throws {
        let server = try RawHTTPServer { _ in .respond(status: 204) }
        defer { server.stop() }
        // Bound but not listening: the kernel refuses connections.
        let (socket, closedPort) = try RawHTTPServer.bindLoopback(listen: false)
        defer { close(socket) }
        let client = CurlHTTPClient(maxConnectionsPerHost: 1, maxConnections: 1)
        defer { client.shutdown() }

        await #expect(throws: HTTPClientError.self) {
            try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(closedPort)/refused"))
        }
        #expect(try await client.execute(HTTPRequest(url: server.url("/after-refused"))).status == 204)
        await #expect(throws: HTTPClientError.invalidURL("Bad IPv6 address")) {
            try await client.execute(HTTPRequest(url: "http://[::1/unclosed"))
        }
        #expect(try await client.execute(HTTPRequest(url: server.url("/after-invalid"))).status == 204)
        await #expect(throws: HTTPClientError.unsupportedProtocol("ftp")) {
            try await client.execute(HTTPRequest(url: "ftp://127.0.0.1/file"))
        }
        #expect(try await client.execute(HTTPRequest(url: server.url("/after-ftp"))).status == 204)
        #expect(server.requests.map(\.target) == ["/after-refused", "/after-invalid", "/after-ftp"])
    }
}
