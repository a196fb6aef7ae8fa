import CurlHTTP
import Foundation
import Logging
import Testing
@testable import SimWatchConfig
@testable import SimWatchControlCenter
@testable import SimWatchCore

/// The Search Devices request: its URL, and the request path it shares with ctdUsages.
@Suite struct SearchDevicesClientTests {
    func client(_ http: ScriptedHTTPClient) -> ControlCenterClient {
        let settings = ControlCenterSettings(
            baseURL: "https://cc.example.com", username: "apiuser", apiKey: Secret("CANARY-API-KEY"), rateLimit: 1000)
        return ControlCenterClient(
            settings: settings, http: http,
            retry: RetryPolicy(attempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)), logger: Logger(label: "test"))
    }

    static let page = HTTPResponse(status: 200, body: Data(#"{"pageNumber":2,"devices":[],"lastPage":true}"#.utf8))

    @Test func sendsTheDocumentedQueryWithThePlusEncoded() async throws {
        let http = ScriptedHTTPClient([.success(Self.page)])
        let since = Date(timeIntervalSince1970: 1_795_773_600)
        _ = try await client(http).searchDevices(modifiedSince: since, pageNumber: 2, accountID: "100020620")
        let request = try #require(http.state.withLock { $0.requests.first })
        #expect(request.url == "https://cc.example.com/rws/api/v1/devices?modifiedSince=2026-11-27T10:00:00%2B00:00"
            + "&pageSize=50&pageNumber=2&accountId=100020620")
        #expect(request.basicAuth?.password == "CANARY-API-KEY")
        #expect(request.headers.contains { $0.name == "Accept" && $0.value == "application/json" })
    }

    @Test func serverErrorsAreRetriedOnTheSharedPath() async throws {
        let http = ScriptedHTTPClient([
            .success(HTTPResponse(status: 500, body: Data(#"{"errorCode":"30000001"}"#.utf8))),
            .failure(.timedOut(after: .seconds(1))),
            .success(HTTPResponse(status: 200, body: Data(#"{"devices":[],"lastPage":true}"#.utf8))),
        ])
        let page = try await client(http).searchDevices(modifiedSince: Date(), pageNumber: 1)
        #expect(page.lastPage)
        #expect(http.state.withLock { $0.requests.count } == 3)
    }

    @Test func aRefusedRoleIsNotRetried() async {
        let body = Data(#"{"errorCode":"10000030","errorMessage":"no"}"#.utf8)
        let http = ScriptedHTTPClient(Array(repeating: .success(HTTPResponse(status: 400, body: body)), count: 3))
        await #expect(throws: ControlCenterError.roleNotAllowed(function: "Search Devices", status: 400, code: "10000030")) {
            try await client(http).searchDevices(modifiedSince: Date(), pageNumber: 1)
        }
        #expect(http.state.withLock { $0.requests.count } == 1)
    }

    @Test func hugeOrNegativePageNumbersAreHeldInRange() async throws {
        let http = ScriptedHTTPClient([.success(Self.page), .success(Self.page)])
        let client = client(http)
        #expect(client.searchDevicesURL(modifiedSince: Date(), pageNumber: 1, accountID: nil).hasSuffix("pageNumber=1"))
        _ = try? await client.searchDevices(modifiedSince: Date(), pageNumber: .max)
        _ = try? await client.searchDevices(modifiedSince: Date(), pageNumber: .min)
        let urls = http.state.withLock { $0.requests.map(\.url) }
        #expect(urls[0].hasSuffix("pageNumber=\(ControlCenterClient.maxSearchPages)"))
        #expect(urls[1].hasSuffix("pageNumber=1"))
    }
}
