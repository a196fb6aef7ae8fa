import Foundation
import Logging

/// A `HOST:PORT` to listen on, as given to `simwatch simulate --listen`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `127.0.0.1:8080`, `0.0.0.0:8080`, `localhost:8080`, `[::1]:8080` or `:8080`
    /// (no host: 127.0.0.1, so the fake API is not exposed by accident). Port 0 picks a free port.
    public static func parse(_ text: String) throws(ListenAddressError) -> ListenAddress {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let colon = trimmed.lastIndex(of: ":") else {
            throw ListenAddressError(input: text, problem: "there is no port")
        }
        var host = String(trimmed[..<colon])
        let portText = trimmed[trimmed.index(after: colon)...]
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else {
                throw ListenAddressError(input: text, problem: "an IPv6 host must be written in brackets, like [::1]")
            }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw ListenAddressError(input: text, problem: "an IPv6 host must be written in brackets, like [::1]:8080")
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
              let port = UInt16(portText) else {
            throw ListenAddressError(input: text, problem: "the port must be a number from 0 to 65535")
        }
        return ListenAddress(host: host.isEmpty ? "127.0.0.1" : host, port: port)
    }
}

/// A `--listen` value that is not `HOST:PORT`.
public struct ListenAddressError: Error, Equatable, CustomStringConvertible {
    public var input: String
    public var problem: String

    public var description: String {
        "invalid listen address \"\(input)\": \(problem); expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080"
    }
}

/// What `simwatch simulate` runs: a `ControlCenterSimulator` on a fixed address until cancelled.
public struct SimulatorServer: Sendable {
    public var listen: ListenAddress
    public var deviceCount: Int
    public var username: String
    public var apiKey: String
    public var seed: UInt64
    public var churn: ChurnSettings?
    /// Usage clock speed: 1 is real time, 3600 grows an hour of usage per second.
    public var usageSpeed: Double
    /// Idle, steady and hot shares of the generated fleet; `nil`: the uniform demo fleet.
    public var usageMix: SimulatedUsageMix?
    public var logger: Logger

    public static let defaultUsername = "simwatch"
    public static let defaultAPIKey = "simwatch-demo-key"

    public init(
        listen: ListenAddress, deviceCount: Int = 100, username: String = SimulatorServer.defaultUsername,
        apiKey: String = SimulatorServer.defaultAPIKey, seed: UInt64 = 1, churn: ChurnSettings? = nil,
        usageSpeed: Double = 1, usageMix: SimulatedUsageMix? = nil,
        logger: Logger = Logger(label: "simwatch.simulator")
    ) {
        self.listen = listen
        self.deviceCount = deviceCount
        self.username = username
        self.apiKey = apiKey
        self.seed = seed
        self.churn = churn
        self.usageSpeed = usageSpeed
        self.usageMix = usageMix
        self.logger = logger
    }

    /// Starts the simulator, passes one ready line to `announce`, and serves until the task is cancelled.
    public func run(announce: @Sendable (String) -> Void = { print($0) }) async throws {
        let simulator = ControlCenterSimulator(
            deviceCount: deviceCount, username: username, apiKey: apiKey, seed: seed,
            clock: .continuous(speed: usageSpeed), usageMix: usageMix, churn: churn, logger: logger
        )
        try await simulator.start(host: listen.host, port: listen.port)
        announce(Self.readyMessage(
            baseURL: await simulator.baseURL, username: username,
            apiKeyHint: apiKey == Self.defaultAPIKey ? apiKey : "(the one given with --api-key)",
            iccids: await simulator.iccids
        ))
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        await simulator.stop()
    }

    /// The one line that tells a person how to point simwatch at the simulator.
    public static func readyMessage(baseURL: String, username: String, apiKeyHint: String, iccids: [String]) -> String {
        let sample = iccids.prefix(3).joined(separator: ", ")
        let more = iccids.count > 3 ? ", ..." : ""
        return "Control Center simulator at \(baseURL) with \(iccids.count) devices (\(sample)\(more));"
            + " username \(username), api key \(apiKeyHint);"
            + " control API \(baseURL)/_sim/ (devices, generate, faults, requests, tick)"
    }
}
