import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SimWatchConfig
import SimWatchDaemon
import Simulator

/// `simwatch demo`: simulator, daemon and a console chat channel, with no set-up.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a simulated Control Center, the daemon on a 2 s interval, and print alerts as a chat channel shows them.")

    /// The most SIMs the simulated account may hold.
    static let devicesRange = 1...100_000
    /// A new SIM joins the account this often, for the feed to discover.
    static let newSIMEvery: Duration = .seconds(15)

    @Option(help: "Simulated SIMs on the account (1 to 100000); the daemon discovers them with Search Devices.")
    var devices = 50

    @Flag(help: "Also show the daemon's log lines.")
    var verbose = false

    func validate() throws {
        guard Self.devicesRange.contains(devices) else {
            throw ValidationError("--devices must be from 1 to 100000; got \(devices)")
        }
    }

    func run() async throws {
        if verbose {
            Bootstrap.logging(LogSettings(format: .logfmt, level: .info))
        } else {
            // The channel below is the show; the daemon's own lines would only crowd it.
            LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
        }
        let quiet = Logger(label: "simwatch.demo")
        let simulator = ControlCenterSimulator(
            deviceCount: devices, clock: .continuous(speed: 1200),
            churn: ChurnSettings(interval: .seconds(3), changesPerTick: 1, seed: UInt64(Date().timeIntervalSince1970)),
            logger: quiet)
        try await simulator.start()
        let sink = WebhookSink(logger: quiet)
        try await sink.start()
        let folder = try DemoFolder(simulatorURL: await simulator.baseURL, webhookURL: await sink.url(), iccids: await simulator.iccids)
        defer { folder.remove() }

        let loaded = try Bootstrap.loadConfig(folder.configPath)
        let logger = Logger(label: "simwatch")
        let console = ChatConsole(colors: isatty(STDOUT_FILENO) == 1)
        console.banner(devices: devices, simulatorURL: await simulator.baseURL, stateFolder: folder.path)
        try DemoNoise.silenceOneSite(silencesPath: loaded.config.silencesPath)
        let flapper = DemoFlapperService(simulator: simulator, iccid: folder.iccids[0], name: DemoFolder.name(0))
        let runtime = Runtime.make(config: loaded.config, logger: logger)
        let service = MonitorService(runtime: runtime, notifier: nil, tick: .milliseconds(250)) {
            try ConfigLoader.load(path: folder.configPath).config
        }
        let printer = AlertPrinterService(sink: sink, console: console)
        let newSIMs = NewSIMService(simulator: simulator, every: Self.newSIMEvery)
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: printer, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: newSIMs, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: flapper, successTerminationBehavior: .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: quiet))
        try await group.run()
        await sink.stop()
        await simulator.stop()
        console.goodbye()
    }
}

/// A temporary folder holding the demo's configuration, API key and state.
struct DemoFolder {
    let path: String
    let iccids: [String]
    var configPath: String { path + "/simwatch.yaml" }

    init(simulatorURL: String, webhookURL: String, iccids: [String]) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("simwatch-demo-\(getpid())").path
        self.iccids = iccids
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data((SimulatorServer.defaultAPIKey + "\n").utf8).write(to: URL(fileURLWithPath: path + "/api_key"))
        // A few named SIMs show how configured devices add names and labels; discovery finds the rest.
        let devices = iccids.prefix(Self.namedDevices).enumerated().map { index, iccid in
            "  - { iccid: \"\(iccid)\", name: \(Self.name(index)), labels: { site: \(DemoNoise.sites[index % DemoNoise.sites.count]) } }"
        }.joined(separator: "\n")
        let yaml = """
        # Written by `simwatch demo`: a fake account on the local simulator.
        control_center:
          base_url: \(simulatorURL)
          username: \(SimulatorServer.defaultUsername)
          api_key_file: api_key
          rate_limit: 100
          concurrency: 4
        poll:
          interval: 2s
        fleet:
          discover: true
          changes_every: 2s
        state_file: \(path)/state.json
        devices:
        \(devices)
        plans:
          "hphlr rp1": { data: 500MB, sms: 100, voice: 30m }
          "iot-1GB": { data: 1GB, sms: 200, voice: 60m }
          "iot-10GB": { data: 10GB, sms: 500, voice: 120m }
        thresholds:
          - { metric: data, above: 50%, severity: info }
          - { metric: data, above: 80%, severity: warning }
          - { metric: data, above: 100%, severity: critical }
        delivery:
          group_wait: 1s
          max_rate: 5
        webhooks:
          - name: demo-channel
            format: generic
            url: \(webhookURL)
        log:
          level: info
        \(DemoNoise.flappingYAML)
        """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: configPath))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// How many of the account's SIMs the demo's configuration names.
    static let namedDevices = 10
    private static let kinds = ["truck", "meter", "tracker", "pump", "kiosk"]
    /// `truck-1`, `meter-2`, …: the demo's device names.
    static func name(_ index: Int) -> String {
        "\(kinds[index % kinds.count])-\(index + 1)"
    }
}

/// Adds a generated SIM to the simulated account every `every`, so the demo shows `device_discovered`.
struct NewSIMService: Service {
    let simulator: ControlCenterSimulator
    let every: Duration

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: every)
                guard !Task.isCancelled else { return }
                _ = await simulator.addGeneratedDevices(1)
            }
        }
    }
}
