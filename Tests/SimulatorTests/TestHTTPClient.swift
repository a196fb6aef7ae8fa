import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import Simulator
import Testing

/// A response as the tests look at it.
struct TestResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
    }
}

/// A plain URLSession client, independent of the project's own HTTP code.
enum TestHTTP {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.timeoutIntervalForRequest = 30
        return URLSession(configuration: configuration)
    }()

    static func basic(_ user: String, _ key: String) -> String {
        "Basic " + Data("\(user):\(key)".utf8).base64EncodedString()
    }

    static let demoAuth = basic("simwatch", "simwatch-demo-key")

    static func send(
        _ url: String, method: String = "GET", authorization: String? = nil,
        headers: [String: String] = [:], body: Data? = nil
    ) async throws -> TestResponse {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var flattened: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            flattened["\(key)"] = "\(value)"
        }
        return TestResponse(status: http.statusCode, headers: flattened, body: data)
    }

    static func json(_ method: String, _ url: String, _ object: Any) async throws -> TestResponse {
        try await send(
            url, method: method, headers: ["Content-Type": "application/json"],
            body: try JSONSerialization.data(withJSONObject: object)
        )
    }
}

/// Starts a simulator on a free port for one test and always stops it.
func withSimulator<R>(
    deviceCount: Int = 5, clock: UsageClock = .manual(ManualClock()),
    _ body: (ControlCenterSimulator, String) async throws -> R
) async throws -> R {
    let simulator = ControlCenterSimulator(deviceCount: deviceCount, clock: clock)
    try await simulator.start()
    let base = await simulator.baseURL
    do {
        let result = try await body(simulator, base)
        await simulator.stop()
        return result
    } catch {
        await simulator.stop()
        throw error
    }
}
