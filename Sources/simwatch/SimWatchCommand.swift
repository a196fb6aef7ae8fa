import ArgumentParser
import Foundation
import SimWatchCore
import SimWatchDaemon

/// The `simwatch` command line: argument parsing only; the work is in SimWatch.
@main
struct SimWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simwatch",
        abstract: "Watches IoT SIMs in Cisco IoT Control Center and posts alerts to chat webhooks.",
        version: SimWatchVersion.current,
        subcommands: [
            RunCommand.self, OnceCommand.self, CheckCommand.self, ReloadCommand.self, StatusCommand.self,
            TestAlertCommand.self, SimulateCommand.self, DemoCommand.self, SilenceCommand.self,
        ]
    )

    /// Sets the process-wide protections before any command reads a secret, then runs it.
    static func main() async {
        ProcessHygiene.apply(environment: ProcessInfo.processInfo.environment)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// `--config FILE`, shared by the commands that read a configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file.", valueName: "file"))
    var config: String
}
