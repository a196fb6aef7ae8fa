import ArgumentParser
import Foundation
import SimWatchDaemon
import SimWatchMonitor

/// `simwatch silence add|list|expire`: manages the silences file the daemon follows.
struct SilenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence",
        abstract: "Manage silences: matching alerts are logged but not sent while one is in force.",
        subcommands: [Add.self, List.self, Expire.self])

    /// `silence add`: prints the new silence's id.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a silence; prints its id. The running daemon applies it within 2 s.")

        @OptionGroup var options: ConfigOption

        @Option(name: .customLong("match"), help: ArgumentHelp(
            "KEY=VALUE: iccid, device, kind, severity (at least), rate_plan, status or label.NAME; repeat for more "
                + "(all must hold; one key repeated means any of its values).", valueName: "key=value"))
        var matches: [String] = []

        @Option(name: .customLong("for"), help: ArgumentHelp("How long, e.g. 2h or 1d.", valueName: "duration"))
        var duration: String?

        @Option(help: ArgumentHelp("Until this RFC 3339 time instead, e.g. 2026-12-01T18:00:00Z.", valueName: "time"))
        var until: String?

        @Option(help: "Why: shown by silence list and status.")
        var reason: String

        func run() throws {
            let config = try Bootstrap.loadConfig(options.config, deferSystemdCredentials: true).config
            let now = Date()
            let request: SilenceRequest
            switch SilenceRequest.parse(matches: matches, for: duration, until: until, reason: reason, now: now) {
            case .success(let parsed): request = parsed
            case .failure(let problem): throw ValidationError(problem.message)
            }
            let silence = try SilenceCommand.perform { () throws(SilenceFileProblem) in
                try SilenceCommands.add(request, path: config.silencesPath, now: now)
            }
            // Legal (discovered SIMs, later devices), but most likely a typo.
            if !config.devices.isEmpty, !config.devices.contains(where: request.match.canMatch) {
                Bootstrap.printError("simwatch: warning: no configured device matches \(request.match)")
            }
            print(silence.id)
        }
    }

    /// `silence list`: every silence in the file, expired ones of the last 7 days included.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List silences (expired ones are kept 7 days).")

        @OptionGroup var options: ConfigOption

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() throws {
            let config = try Bootstrap.loadConfig(options.config, deferSystemdCredentials: true).config
            let silences = try SilenceCommand.perform { () throws(SilenceFileProblem) in
                try SilenceStore(path: config.silencesPath).read().get()
            }
            let report = SilenceReport(silences: SilenceFile.pruned(silences, now: Date()), now: Date())
            print(json ? try report.json() : report.table())
        }
    }

    /// `silence expire ID`: ends a silence now.
    struct Expire: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a silence now; it stays listed for 7 days.")

        @OptionGroup var options: ConfigOption

        @Argument(help: "The silence's id (8 hex digits), as add printed it.")
        var id: String

        func run() throws {
            let config = try Bootstrap.loadConfig(options.config, deferSystemdCredentials: true).config
            let silence = try SilenceCommand.perform { () throws(SilenceFileProblem) in
                try SilenceCommands.expire(id: id, path: config.silencesPath, now: Date())
            }
            print("expired \(silence.id)")
        }
    }

    /// Runs a file operation; a problem is printed and exits 1.
    static func perform<T>(_ work: () throws(SilenceFileProblem) -> T) throws -> T {
        do {
            return try work()
        } catch {
            Bootstrap.printError("simwatch: \(error.message)")
            throw Exit.failure
        }
    }
}
