import ArgumentParser
import CurlHTTP
import Foundation
import Logging
import SimWatchAlerts
import SimWatchConfig
import SimWatchDaemon
import SimWatchMonitor
import SimWatchState

/// `simwatch digest`: the daily digest now, from the state file, printed or sent.
///
/// It reads the state file without taking its lock (a running daemon keeps it) and sends
/// straight to the webhooks, past the outbox: the daemon's own daily digest is not moved.
struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Build the daily digest now and send it to the digest's webhooks (or print it); exit 1 if a send failed.")

    @OptionGroup var options: ConfigOption

    @Option(help: ArgumentHelp("Only this webhook.", valueName: "name"))
    var webhook: String?

    @Flag(help: "Print the digest instead of sending it.")
    var print = false

    func run() async throws {
        let loaded = try Bootstrap.loadConfig(options.config)
        let config = loaded.config
        Bootstrap.logging(LogSettings(format: config.log.format, level: .warning))
        let store = StateStore(path: config.stateFile, logger: Logger(label: "simwatch"))
        let state = try store.read() ?? PersistentState()
        let event = DigestBuilder.event(state: state, config: config, at: Date())
        if print {
            Swift.print(TerminalText.clean(event.summary, keepNewlines: true))
            return
        }
        let names = webhook.map { [$0] } ?? config.digestWebhooks
        let webhooks = config.webhooks.filter { names.contains($0.name) }
        if let webhook, webhooks.isEmpty {
            let configured = config.webhooks.map(\.name).joined(separator: ", ")
            throw ValidationError("no webhook named \"\(webhook)\"; configured: \(configured.isEmpty ? "none" : configured)")
        }
        guard !webhooks.isEmpty else {
            Swift.print("no digest webhooks: list them under digest.webhooks, or use --print")
            return
        }
        let results = await TestAlert.send(event, to: webhooks, http: CurlHTTPClient())
        for result in results { Swift.print(result.line) }
        if results.contains(where: { !$0.succeeded }) { throw Exit.failure }
    }
}
