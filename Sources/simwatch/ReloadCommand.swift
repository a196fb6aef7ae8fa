import ArgumentParser
import Foundation
import SimWatchDaemon
import SimWatchState

/// `simwatch reload`: validates the configuration, then asks the running daemon to apply it.
///
/// The unit's `ExecReload=` runs this (with `--pid $MAINPID`) instead of `/bin/kill`, which
/// minimal systems lack, and so that `systemctl reload` fails, showing why, when the new
/// configuration is not valid: the daemon is then never signalled and keeps the old one.
struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Validate the configuration, then tell the running daemon to reload it (SIGHUP); 78 if it is not valid.")

    @OptionGroup var options: ConfigOption

    @Option(help: ArgumentHelp(
        "The daemon's process id (systemd passes $MAINPID); default: the simwatch holding the state file's lock.",
        valueName: "pid"))
    var pid: Int32?

    func validate() throws {
        if let pid, pid <= 1 {
            throw ValidationError("--pid must be a daemon's process id, above 1 (got \(pid))")
        }
    }

    func run() async throws {
        // systemd 252 (Debian 12) denies ExecReload= the service's own credentials under
        // DynamicUser= (systemd issue 24291), so files in /run/credentials/ are not required
        // here: the daemon reads them when it reloads, and keeps the old configuration, with
        // an error line, if one cannot be read.
        var environment = ProcessInfo.processInfo.environment
        environment["CREDENTIALS_DIRECTORY"] = nil
        let loaded = try Bootstrap.loadConfig(options.config, environment: environment, deferSystemdCredentials: true)
        for warning in loaded.warnings {
            Bootstrap.printError("\(warning)")
        }
        let stateFile = loaded.config.stateFile
        guard let target = pid ?? StateLock.holderPID(forStateFile: stateFile) else {
            Bootstrap.printError("simwatch: configuration OK, but no running simwatch holds \(stateFile).lock: "
                + "start the daemon (systemctl start simwatch), or name it with --pid")
            throw Exit.failure
        }
        switch DaemonProcess.sendReload(to: target) {
        case .success:
            print("configuration OK; asked simwatch (pid \(target)) to reload it")
        case .failure(let error):
            Bootstrap.printError("simwatch: configuration OK, but \(error)")
            throw Exit.failure
        }
    }
}
