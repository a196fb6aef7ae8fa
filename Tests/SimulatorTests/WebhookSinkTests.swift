import Foundation
@testable import Simulator
import Testing

@Suite("Webhook sink")
struct WebhookSinkTests {
    static func withSink(_ body: (WebhookSink) async throws -> Void) async throws {
        let sink = WebhookSink()
        try await sink.start()
        do { try await body(sink) } catch {
            await sink.stop()
            throw error
        }
        await sink.stop()
    }

    static func post(_ url: String, _ text: String = #"{"text":"hi"}"#) async throws -> TestResponse {
        try await TestHTTP.send(
            url, method: "POST", headers: ["Content-Type": "application/json", "X-Token": "t1"], body: Data(text.utf8)
        )
    }

    @Test func recordsPostsAndAnswersOK() async throws {
        try await Self.withSink { sink in
            let url = await sink.url(path: "/services/T000/B000")
            #expect(url.hasPrefix("http://127.0.0.1:"))
            let response = try await Self.post(url, #"{"text":"alert"}"#)
            #expect(response.status == 200)
            #expect(response.text == "ok")
            let records = await sink.waitForRequests(count: 1, timeout: .seconds(2))
            let record = try #require(records.first)
            #expect(record.method == "POST")
            #expect(record.path == "/services/T000/B000")
            #expect(record.bodyText == #"{"text":"alert"}"#)
            #expect(record.header("content-type") == "application/json")
            #expect(record.header("X-TOKEN") == "t1")
            #expect(record.status == 200)
            #expect(abs(record.receivedAt.timeIntervalSinceNow) < 60)
        }
    }

    @Test func failsOnCommandWithRetryAfterThenRecovers() async throws {
        try await Self.withSink { sink in
            let url = await sink.url()
            await sink.failNext(2, status: 429, headers: ["Retry-After": "3"], body: "slow down")
            let first = try await Self.post(url)
            let second = try await Self.post(url)
            let third = try await Self.post(url)
            #expect(first.status == 429 && second.status == 429)
            #expect(first.header("Retry-After") == "3")
            #expect(first.text == "slow down")
            #expect(third.status == 200)
            #expect(await sink.requests.map(\.status) == [429, 429, 200])
        }
    }

    @Test func failAllUntilRecover() async throws {
        try await Self.withSink { sink in
            let url = await sink.url()
            await sink.failAll(status: 503)
            let failed = [try await Self.post(url).status, try await Self.post(url).status]
            await sink.recover()
            let recovered = try await Self.post(url).status
            #expect(failed == [503, 503])
            #expect(recovered == 200)
        }
    }

    @Test func queuedResponsesComeFirstInOrder() async throws {
        try await Self.withSink { sink in
            let url = await sink.url()
            await sink.failAll(status: 500)
            await sink.respond(with: [SinkResponse(status: 400, body: "invalid_payload"), .ok])
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(try await Self.post(url).status) }
            #expect(statuses == [400, 200, 500])
        }
    }

    @Test func onlyPostIsRecorded() async throws {
        try await Self.withSink { sink in
            let response = try await TestHTTP.send(await sink.url())
            #expect(response.status == 405)
            #expect(await sink.requests.isEmpty)
        }
    }

    @Test func waitForRequestsGivesUpAfterTheTimeout() async throws {
        try await Self.withSink { sink in
            let started = ContinuousClock.now
            let records = await sink.waitForRequests(count: 1, timeout: .milliseconds(50))
            #expect(records.isEmpty)
            // It gives up instead of waiting for ever; the margin allows for a busy test pool.
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test func httpControlFailsListsAndRecovers() async throws {
        try await Self.withSink { sink in
            let base = await sink.url(path: "")
            let hook = await sink.url()
            let command = try await TestHTTP.json("POST", base + "/_sink/fail", ["status": 500, "count": 1, "retry_after": 3])
            #expect(command.status == 200)
            let failed = try await Self.post(hook)
            #expect(failed.status == 500)
            #expect(failed.header("Retry-After") == "3")
            #expect(try await Self.post(hook).status == 200)

            _ = try await TestHTTP.json("POST", base + "/_sink/fail", ["status": 503])
            #expect(try await Self.post(hook).status == 503)
            _ = try await TestHTTP.send(base + "/_sink/fail", method: "DELETE")
            #expect(try await Self.post(hook).status == 200)

            let listed = try await TestHTTP.send(base + "/_sink/requests")
            let records = try #require(try JSONSerialization.jsonObject(with: listed.body) as? [[String: Any]])
            #expect(records.compactMap { $0["status"] as? Int } == [500, 200, 503, 200])
            #expect(records.first?["body"] as? String == #"{"text":"hi"}"#)
            #expect((records.first?["headers"] as? [String: String])?["x-token"] == "t1")

            _ = try await TestHTTP.json("POST", base + "/_sink/fail", ["status": 429, "count": 1, "retry_after": "1e300"])
            let hostile = try await Self.post(hook)
            #expect(hostile.status == 429 && hostile.header("Retry-After") == "1e300")
            #expect(try await TestHTTP.json("POST", base + "/_sink/fail", ["status": 429, "retry_after": [1]]).status == 400)
            _ = try await TestHTTP.send(base + "/_sink/requests", method: "DELETE")

            let bad = try await TestHTTP.json("POST", base + "/_sink/fail", ["status": "five hundred"])
            #expect(bad.status == 400)
            _ = try await TestHTTP.send(base + "/_sink/requests", method: "DELETE")
            #expect(await sink.requests.isEmpty)
        }
    }
}
