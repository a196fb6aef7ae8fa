import ArgumentParser
import Foundation
import Logging
import SimWatchConfig
import Simulator

/// `simwatch simulate`: a fake Control Center for trying simwatch without an account.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve a fake Control Center (ctdUsages, Search Devices, documented errors, /_sim/ control API).")

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(help: "Number of simulated devices.")
    var devices = 100

    @Option(help: "Basic-auth user name the simulator accepts.")
    var username = SimulatorServer.defaultUsername

    @Option(name: .customLong("api-key"), help: "API key the simulator accepts (prefer the default for demos).")
    var apiKey = SimulatorServer.defaultAPIKey

    @Option(help: "Seed of the generated fleet: the same seed gives the same devices.")
    var seed: UInt64 = 1

    @Option(name: .customLong("usage-mix"), help: ArgumentHelp(
        "Shares of idle, steady and hot SIMs, e.g. idle=80,steady=17,hot=3, or heavy-tailed for that mix "
            + "(default: every active SIM grows 1-20 MB an hour).", valueName: "mix"))
    var usageMix: String?

    @Option(name: .customLong("churn-every"), help: ArgumentHelp(
        "Make random status, overage and plan changes this often, e.g. 30s (default: never).", valueName: "duration"))
    var churnEvery: String?

    @Option(name: .customLong("churn-share"), help: ArgumentHelp(
        "Share of the fleet changed per churn round, 0 to 1 (default: one SIM a round).", valueName: "fraction"))
    var churnShare: Double?

    @Flag(name: .customLong("status-churn"), help: "Churn changes statuses only (no overage or plan changes).")
    var statusChurn = false

    func validate() throws {
        guard devices >= 1 && devices <= 1_000_000 else {
            throw ValidationError("--devices must be between 1 and 1000000")
        }
        do { _ = try ListenAddress.parse(listen) } catch { throw ValidationError("--listen: \(error)") }
        _ = try mix()
        _ = try churnInterval()
        if let churnShare, !(churnShare.isFinite && churnShare >= 0 && churnShare <= 1) {
            throw ValidationError("--churn-share must be a number from 0 to 1, e.g. 0.001")
        }
    }

    func run() async throws {
        Bootstrap.logging(LogSettings())
        let churn = try churnInterval().map { interval in
            ChurnSettings(
                interval: interval, fleetShare: churnShare ?? 0, weights: statusChurn ? .statusOnly : .standard, seed: seed
            )
        }
        let server = SimulatorServer(
            listen: try ListenAddress.parse(listen), deviceCount: devices, username: username, apiKey: apiKey,
            seed: seed, churn: churn, usageMix: try mix(), logger: Logger(label: "simwatch.simulator"))
        // Written straight away, not buffered: scripts wait for this line.
        try await server.run { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }

    private func mix() throws -> SimulatedUsageMix? {
        guard let usageMix else { return nil }
        if usageMix == "heavy-tailed" { return .heavyTailed }
        do { return try SimulatedUsageMix.parse(usageMix) } catch { throw ValidationError("--usage-mix: \(error)") }
    }

    private func churnInterval() throws -> Duration? {
        guard let churnEvery else { return nil }
        guard let interval = ConfigUnits.duration(churnEvery), interval >= .milliseconds(100),
              interval <= .seconds(86_400) else {
            throw ValidationError("--churn-every must be a duration from 100ms to 1d, e.g. 30s")
        }
        return interval
    }
}
