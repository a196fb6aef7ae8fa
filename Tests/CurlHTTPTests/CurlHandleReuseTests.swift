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
}
