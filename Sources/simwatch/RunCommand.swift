import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import ServiceLifecycle
import SimWatchConfig
import SimWatchDaemon
import SimWatchState

/// `simwatch run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Poll forever, alert, reload the configuration on SIGHUP (the systemd service).")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let path = options.config
        let (config, logger) = try Bootstrap.configuredLogger(path)
        let runtime = Runtime.make(config: config, logger: logger)
        let levelSwitch = Bootstrap.levelSwitch
        let service = MonitorService(
            runtime: runtime, notifier: SystemdNotifier(environment: ProcessInfo.processInfo.environment, logger: logger),
            metricsServer: config.metrics.map { MetricsServer(address: $0.address, metrics: runtime.metrics, logger: logger) }
        ) {
            let loaded = try ConfigLoader.load(path: path)
            levelSwitch.level = loaded.config.log.level
            for warning in loaded.warnings { logger.warning("\(warning)") }
            return loaded.config
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                             failureTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch let error as StateFolderError {
            logger.error("cannot start", metadata: ["error": "\(error)"])
            throw Exit.configuration
        } catch let error as StateLoadError {
            logger.error("cannot start", metadata: ["error": "\(error)"])
            throw Exit.failure
        } catch let error as StateLockError {
            logger.error("cannot start", metadata: ["error": "\(error)"])
            throw Exit.failure
        }
    }
}

/// `simwatch once`: one cycle, then exit.
struct OnceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "once",
        abstract: "Poll every device once as fast as the limits allow, deliver alerts, exit (1 if the cycle failed).")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let (config, logger) = try Bootstrap.configuredLogger(options.config)
        let runtime = Runtime.make(config: config, logger: logger)
        let progress = ProgressWriter()
        let clock = ContinuousClock()
        let started = clock.now
        let report: CycleReport
        do {
            report = try await OnceRun.run(runtime: runtime) { done, total in
                progress.update(ProgressLine(completed: done, total: total, elapsed: clock.now - started))
            }
        } catch {
            logger.error("cannot start", metadata: ["error": "\(error)"])
            // A state folder that cannot be written is a configuration error; systemd does not restart on it.
            throw error is StateFolderError ? Exit.configuration : Exit.failure
        }
        progress.finish(ProgressLine(completed: report.polled + report.notFound + report.failed,
                                     total: report.devices, elapsed: report.duration))
        if !report.succeeded { throw Exit.failure }
    }
}

/// `simwatch status`: the state file as a table.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each device's last known usage and status from the state file.")

    @OptionGroup var options: ConfigOption

    @Flag(help: "Print JSON for scripts.")
    var json = false

    @Flag(name: .customLong("dead-letters"), help: "List the alerts simwatch gave up delivering instead.")
    var deadLetters = false

    func run() async throws {
        let loaded = try Bootstrap.loadConfig(options.config)
        Bootstrap.logging(LogSettings(format: loaded.config.log.format, level: .warning))
        let store = StateStore(path: loaded.config.stateFile, logger: Logger(label: "simwatch"))
        let state: PersistentState
        // Records keyed on the configuration's strings: no copy of each ICCID, and the
        // report's look-ups compare them by identity.
        switch try store.read(knownICCIDs: .configured(loaded.config.devices)) {
        case .some(let loadedState): state = loadedState
        case .none: state = PersistentState()
        }
        if deadLetters {
            let report = DeadLetterReport(state: state)
            print(json ? try report.json() : report.table())
            _ = Unmanaged.passRetained(Leftover(state, loaded))
            return
        }
        let report = StatusReport(config: loaded.config, state: state)
        // The process ends next: freeing a fleet's 100,000 records, devices and rows one by one would only cost time (~60 ms).
        _ = Unmanaged.passRetained(Leftover(state, loaded, report))
        // A fleet's table (11 MB) or JSON (45 MB) goes out in large writes as it is made, never whole.
        func emit(_ bytes: UnsafeBufferPointer<UInt8>) throws {
            var offset = 0
            while offset < bytes.count, let base = bytes.baseAddress {
                let written = write(STDOUT_FILENO, base + offset, bytes.count - offset)
                if written >= 0 {
                    offset += written
                } else if errno == EPIPE {
                    throw OutputClosed()
                } else if errno != EINTR {
                    // A full disk or a broken file: a report cut short must not look complete.
                    Bootstrap.printError("simwatch: cannot write the status to standard output: \(String(cString: strerror(errno)))")
                    throw Exit.failure
                }
            }
        }
        do {
            if json {
                try report.writeJSON(to: emit)
                try Array("\n".utf8).withUnsafeBufferPointer(emit)
            } else {
                try report.writeTable(to: emit)
                let silences = SilenceReport.inForce(path: loaded.config.silencesPath, now: Date())
                try Array("\n\(silences)\n".utf8).withUnsafeBufferPointer(emit)
            }
        } catch is OutputClosed {
            // The reader went away (`status | head`): the rest has nowhere to go, and `print` ended quietly too.
        }
    }

    /// Standard output cannot be written to any more.
    private struct OutputClosed: Error {}

    /// What `status` leaves to the process's end rather than freeing.
    private final class Leftover: Sendable {
        let state: PersistentState
        let config: LoadedConfig
        let report: StatusReport?
        init(_ state: PersistentState, _ config: LoadedConfig, _ report: StatusReport? = nil) {
            self.state = state
            self.config = config
            self.report = report
        }
    }
}
