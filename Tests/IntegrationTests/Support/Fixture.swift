import CurlHTTP
import Foundation
import Simulator
import Testing
@testable import SimWatchCore
@testable import SimWatchState

/// A simulator, a webhook sink and a configuration pointing the binary at both.
struct Fixture {
    static let apiKey = "CANARY-API-KEY-7f3a"
    let simulator: ControlCenterSimulator
    let sink: WebhookSink
    let folder: TempFolder
    let iccids: [String]
    let environment: [String: String]

    /// Starts both servers with `devices` devices whose usage does not grow.
    ///
    /// The forecast and spikes are off unless `insight`: generated devices start at up to 30 %
    /// of a 1 GB plan, so from the fourth day of a month their baselines would be projected.
    static func start(devices: Int = 3, extraYAML: String = "", interval: String = "15m", insight: Bool = false) async throws -> Fixture {
        let simulator = ControlCenterSimulator(deviceCount: devices, username: "apiuser", apiKey: apiKey, clock: .manual(ManualClock()))
        try await simulator.start()
        let sink = WebhookSink()
        try await sink.start()
        let folder = try TempFolder()
        let iccids = await simulator.iccids
        let deviceLines = iccids.enumerated().map { "  - { iccid: \"\($1)\", name: unit-\($0 + 1), labels: { site: lab } }" }
        try folder.write("simwatch.yaml", """
            control_center:
              base_url: \(await simulator.baseURL)
              username: apiuser
              api_key_env: SIMWATCH_TEST_KEY
              rate_limit: 50
              concurrency: 2
              timeout: 2s
            poll:
              interval: \(interval)
            state_file: \(folder.path)/state.json
            devices:
            \(deviceLines.joined(separator: "\n"))
            plans:
              "hphlr rp1": { data: 1GB }
              "iot-1GB": { data: 1GB }
              "iot-10GB": { data: 10GB }
            \(insight ? "" : "forecast: off\nspikes: off")
            thresholds:
              - { metric: data, above: 50GB, severity: critical }
              - { metric: data, above: 200%, severity: warning }
            webhooks:
              - name: ops
                format: generic
                url_env: SIMWATCH_TEST_HOOK
            \(extraYAML)
            """)
        return Fixture(simulator: simulator, sink: sink, folder: folder, iccids: iccids, environment: [
            "SIMWATCH_TEST_KEY": apiKey, "SIMWATCH_TEST_HOOK": await sink.url(path: "/hook/CANARY-HOOK-TOKEN"),
        ])
    }

    var configPath: String { "\(folder.path)/simwatch.yaml" }

    /// Runs `simwatch once` and returns its result.
    func once(timeout: Duration = .seconds(60)) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await SimwatchProcess.run(["once", "--config", configPath], in: folder.path, environment: environment, timeout: timeout)
    }

    /// Every event the sink received so far, in order; with `successfulOnly`, only from 2xx answers.
    func deliveredEvents(successfulOnly: Bool = false) async throws -> [Event] {
        try await sink.requests.filter { !successfulOnly || (200..<300).contains($0.status) }.flatMap { request in
            try JSONDecoder.simwatch().decode(GenericBatch.self, from: request.body).events
        }
    }

    /// The state file as the daemon left it.
    func state() throws -> PersistentState {
        try JSONDecoder.simwatch().decode(PersistentState.self, from: Data(contentsOf: URL(fileURLWithPath: "\(folder.path)/state.json")))
    }

    func stop() async {
        await simulator.stop()
        await sink.stop()
    }
}

struct GenericBatch: Decodable {
    let version: String
    let source: String
    let events: [Event]
}

extension WebhookSink {
    /// Waits until no request has come for `quiet` (at most 10 s): what a killed daemon had
    /// on the wire has been answered and recorded.
    func waitUntilQuiet(for quiet: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        var seen = requests.count
        var since = clock.now
        while clock.now < deadline, clock.now - since < quiet {
            try? await Task.sleep(for: .milliseconds(50))
            let count = requests.count
            if count != seen { (seen, since) = (count, clock.now) }
        }
    }
}
