import ArgumentParser
import Foundation
import Logging
import SimWatchConfig
import SimWatchControlCenter
import SimWatchCore
import SimWatchDaemon
import SimWatchMonitor

/// `simwatch check`: validates the configuration and prints what it means.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and print a summary (no network call unless --online).")

    @OptionGroup var options: ConfigOption

    @Flag(help: "Also poll the first configured device once to test the URL and credentials.")
    var online = false

    func run() async throws {
        let loaded = try Bootstrap.loadConfig(options.config, deferSystemdCredentials: !online)
        for warning in loaded.warnings {
            Bootstrap.printError("\(warning)")
        }
        for note in loaded.notes {
            Bootstrap.printError("\(note)")
        }
        print(loaded.config.summary())
        guard online else {
            print("\nconfiguration OK")
            return
        }
        Bootstrap.logging(LogSettings(format: loaded.config.log.format, level: .warning))
        guard try await OnlineCheck.run(config: loaded.config, logger: Logger(label: "simwatch")) else {
            throw Exit.failure
        }
    }
}

/// `check --online`: one ctdUsages call for the first configured device.
enum OnlineCheck {
    /// Prints the result; true when the API answered with a record or with 20000001.
    static func run(config: Config, logger: Logger) async throws -> Bool {
        let runtime = Runtime.make(config: config, logger: logger)
        // With discovery or the feed, whether this user may call Search Devices matters as much.
        let search = config.fleet.usesSearchDevices ? await searchDevices(config: config, runtime: runtime) : true
        guard let device = config.devices.first else {
            if !config.fleet.usesSearchDevices { print("\nonline check skipped: no devices configured") }
            return search
        }
        return try await usage(device: device, config: config, runtime: runtime) && search
    }

    /// One Search Devices page of the last five minutes' changes: credentials and role in one call.
    private static func searchDevices(config: Config, runtime: Runtime) async -> Bool {
        let since = Date().addingTimeInterval(-FeedWindow.overlap)
        print("\nonline check: GET \(config.controlCenter.baseURL)/rws/api/v\(config.controlCenter.apiVersion)/devices (Search Devices)")
        do {
            let page = try await runtime.client.searchDevices(modifiedSince: since, pageNumber: 1, accountID: config.fleet.accountID)
            print("  OK: Search Devices answers; \(page.devices.count) SIMs changed in the last 5 minutes")
            return true
        } catch {
            print("  FAILED: \(error)")
            return false
        }
    }

    private static func usage(device: DeviceEntry, config: Config, runtime: Runtime) async throws -> Bool {
        print("\nonline check: GET \(config.controlCenter.baseURL)/rws/api/v\(config.controlCenter.apiVersion)/devices/\(device.iccid)/ctdUsages")
        do {
            let usage = try await runtime.client.usage(iccid: device.iccid)
            print("  OK: \(device.iccid) status \(usage.status ?? "?"), rate plan \(usage.ratePlan ?? "?"), data \(usage.ctdDataUsage.map(HumanFormat.bytes) ?? "?")")
            return true
        } catch ControlCenterError.deviceNotFound {
            print("  OK: credentials work, but Control Center does not know \(device.iccid) (error 20000001)")
            return true
        } catch {
            print("  FAILED: \(error)")
            return false
        }
    }
}
