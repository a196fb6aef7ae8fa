import Foundation
@testable import Simulator
import Testing

@Suite("simulate command support")
struct SimulatorServerTests {
    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1", 8080),
        ("0.0.0.0:0", "0.0.0.0", 0),
        ("localhost:65535", "localhost", 65535),
        ("[::1]:9000", "::1", 9000),
        (":8080", "127.0.0.1", 8080),
    ] as [(String, String, UInt16)])
    func parsesListenAddresses(_ text: String, host: String, port: UInt16) throws {
        #expect(try ListenAddress.parse(text) == ListenAddress(host: host, port: port))
    }

    @Test(arguments: [
        ("localhost", "there is no port"),
        ("127.0.0.1:", "the port must be a number"),
        ("127.0.0.1:70000", "the port must be a number from 0 to 65535"),
        ("127.0.0.1:80a", "the port must be a number"),
        ("::1:8080", "brackets"),
        ("[::1:8080", "brackets"),
    ])
    func rejectsBadListenAddressesClearly(_ text: String, problem: String) {
        #expect {
            try ListenAddress.parse(text)
        } throws: { error in
            let description = "\(error)"
            return description.contains(problem) && description.contains("expected HOST:PORT")
                && description.contains("\"\(text)\"")
        }
    }

    @Test func readyMessageNamesURLCredentialsICCIDsAndControlPaths() {
        let line = SimulatorServer.readyMessage(
            baseURL: "http://127.0.0.1:8080", username: "simwatch", apiKeyHint: "simwatch-demo-key",
            iccids: ["8988216716970000001", "8988216716970000002", "8988216716970000003", "8988216716970000004"]
        )
        #expect(!line.contains("\n"))
        #expect(line.contains("http://127.0.0.1:8080 with 4 devices"))
        #expect(line.contains("8988216716970000003, ..."))
        #expect(!line.contains("8988216716970000004"))
        #expect(line.contains("username simwatch, api key simwatch-demo-key"))
        #expect(line.contains("http://127.0.0.1:8080/_sim/"))
    }

    @Test func runServesUntilCancelled() async throws {
        let announced = LockedValue<String?>(nil)
        let server = SimulatorServer(
            listen: ListenAddress(host: "127.0.0.1", port: 0), deviceCount: 3, apiKey: "custom-key"
        )
        let task = Task { try await server.run { announced.set($0) } }
        // Announced within milliseconds; the bound allows for CPU-heavy suites holding the
        // test pool's threads (as the other server-start waits do).
        let deadline = ContinuousClock.now + .seconds(60)
        while announced.get() == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        let line = try #require(announced.get())
        #expect(!line.contains("custom-key"))
        let baseURL = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
        let response = try await TestHTTP.send(
            "\(baseURL)/rws/api/v1/devices/8988216716970000001/ctdUsages",
            authorization: TestHTTP.basic("simwatch", "custom-key")
        )
        #expect(response.status == 200)
        task.cancel()
        try await task.value
        await #expect(throws: (any Error).self) {
            _ = try await TestHTTP.send("\(baseURL)/_sim/devices")
        }
    }

    @Test func startFailsClearlyOnABadHost() async {
        let simulator = ControlCenterSimulator(deviceCount: 1)
        await #expect {
            try await simulator.start(host: "not-an-address", port: 0)
        } throws: { error in
            "\(error)".contains("cannot listen on not-an-address:0")
        }
    }
}
