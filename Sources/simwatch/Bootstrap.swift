import ArgumentParser
import Foundation
import Logging
import SimWatchConfig
import SimWatchDaemon

/// Exit codes of DESIGN.md's command line.
enum Exit {
    /// Configuration error (EX_CONFIG); systemd does not restart on it.
    static let configuration = ExitCode(78)
    /// Anything else that went wrong, e.g. a failed cycle.
    static let failure = ExitCode(1)
}

/// Process-wide set-up the executable alone does: logging, configuration errors on stderr.
enum Bootstrap {
    /// The log level switch the handler reads, so a reload can change it.
    nonisolated(unsafe) static var levelSwitch = LogLevelSwitch(.info)

    /// Bootstraps swift-log once, to stderr in the configured format.
    static func logging(_ settings: LogSettings) {
        levelSwitch.level = settings.level
        let level = levelSwitch
        LoggingSystem.bootstrap { label in
            LogSetup.makeHandler(label: label, format: settings.format, level: level)
        }
    }

    /// Loads the configuration; prints every problem and exits 78 when it is not valid.
    static func loadConfig(
        _ path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        deferSystemdCredentials: Bool = false
    ) throws -> LoadedConfig {
        do {
            return try ConfigLoader.load(path: path, environment: environment, deferSystemdCredentials: deferSystemdCredentials)
        } catch {
            printError("\(error)")
            printError("simwatch: configuration not valid: \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s") in \(path)")
            throw Exit.configuration
        }
    }

    /// Loads the configuration and sets up logging from it; warnings go to the log.
    static func configuredLogger(_ path: String, label: String = "simwatch") throws -> (Config, Logger) {
        let loaded = try loadConfig(path)
        logging(loaded.config.log)
        let logger = Logger(label: label)
        for warning in loaded.warnings {
            logger.warning("\(warning)")
        }
        return (loaded.config, logger)
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
