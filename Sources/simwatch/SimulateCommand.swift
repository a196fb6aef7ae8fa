import ArgumentParser
import Foundation
import Logging
import SimWatchConfig
import Simulator

/// `simwatch simulate`: a fake Control Center for trying simwatch without an account.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve a fake Control Center (ctdUsages, documented errors, /_sim/ control API).")

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(help: "Number of simulated devices.")
    var devices = 100

    @Option(help: "Basic-auth user name the simulator accepts.")
    var username = SimulatorServer.defaultUsername

    @Option(name: .customLong("api-key"), help: "API key the simulator accepts (prefer the default for demos).")
    var apiKey = SimulatorServer.defaultAPIKey

    func validate() throws {
        guard devices >= 1 && devices <= 1_000_000 else {
            throw ValidationError("--devices must be between 1 and 1000000")
        }
        do { _ = try ListenAddress.parse(listen) } catch { throw ValidationError("--listen: \(error)") }
    }

    func run() async throws {
        Bootstrap.logging(LogSettings())
        let server = SimulatorServer(
            listen: try ListenAddress.parse(listen), deviceCount: devices, username: username, apiKey: apiKey,
            logger: Logger(label: "simwatch.simulator"))
        // Written straight away, not buffered: scripts wait for this line.
        try await server.run { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }
}
