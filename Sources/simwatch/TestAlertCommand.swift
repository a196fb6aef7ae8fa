import ArgumentParser
import CurlHTTP
import Logging
import SimWatchAlerts
import SimWatchConfig

/// `simwatch test-alert`: proves each webhook works, without waiting for a real event.
struct TestAlertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-alert",
        abstract: "Send one clearly marked test alert to each webhook (or the one named); exit 1 if any failed.")

    @OptionGroup var options: ConfigOption

    @Option(help: ArgumentHelp("Only this webhook.", valueName: "name"))
    var webhook: String?

    func run() async throws {
        let loaded = try Bootstrap.loadConfig(options.config)
        Bootstrap.logging(LogSettings(format: loaded.config.log.format, level: .warning))
        var webhooks = loaded.config.webhooks
        if let webhook {
            webhooks = webhooks.filter { $0.name == webhook }
            guard !webhooks.isEmpty else {
                let names = loaded.config.webhooks.map(\.name).joined(separator: ", ")
                throw ValidationError("no webhook named \"\(webhook)\"; configured: \(names.isEmpty ? "none" : names)")
            }
        }
        guard !webhooks.isEmpty else {
            print("no webhooks configured: nothing to test")
            return
        }
        let results = await TestAlert.send(to: webhooks, http: CurlHTTPClient())
        for result in results { print(result.line) }
        if results.contains(where: { !$0.succeeded }) { throw Exit.failure }
    }
}
