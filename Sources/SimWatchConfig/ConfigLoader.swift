import Foundation
import SimWatchCore
import Yams

/// Reads `simwatch.yaml` into a validated `Config`, reporting every problem with its position.
public enum ConfigLoader {
    static let rootKeys = [
        "control_center", "poll", "fleet", "state_file", "devices", "devices_file", "plans", "thresholds",
        "webhooks", "delivery", "metrics", "log", "billing", "forecast", "spikes", "digest",
    ] + ConfigNoise.rootKeys

    /// Loads and validates the configuration file at `path`.
    ///
    /// Relative paths inside it (`devices_file`, `*_file`) start at the file's directory.
    ///
    /// With `deferSystemdCredentials`, a secret file under `/run/credentials/` that does not
    /// exist (outside the service) is a warning, not an error: for `simwatch check`.
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        deferSystemdCredentials: Bool = false
    ) throws(ConfigError) -> LoadedConfig {
        let whole = { (message: String) in
            ConfigError(issues: [ConfigIssue(file: path, line: 0, column: 0, keyPath: "", message: message)])
        }
        switch ConfigFiles.contents(path) {
        case .failure(let failure):
            throw whole("cannot read the configuration file: \(failure.reason)")
        case .success(let data):
            guard let yaml = String(data: data, encoding: .utf8) else {
                throw whole("the configuration file is not UTF-8 text")
            }
            return try parse(yaml: yaml, path: path, environment: environment,
                             deferSystemdCredentials: deferSystemdCredentials)
        }
    }

    /// Validates configuration text as if it were read from `path` (for positions and relative paths).
    public static func parse(
        yaml: String, path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        deferSystemdCredentials: Bool = false
    ) throws(ConfigError) -> LoadedConfig {
        let diagnostics = ConfigDiagnostics(file: path)
        var context = ConfigContext(diagnostics: diagnostics, environment: environment, directory: directory(of: path))
        context.deferSystemdCredentials = deferSystemdCredentials
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: yaml)
        } catch {
            reportYAMLError(error, diagnostics)
            throw ConfigError(issues: diagnostics.issues)
        }
        guard let root = composed else {
            diagnostics.error("the file is empty; expected at least control_center and devices", at: nil, .root)
            throw ConfigError(issues: diagnostics.issues)
        }
        let config = build(root, path: path, context)
        guard diagnostics.issues.isEmpty, let config else {
            throw ConfigError(issues: diagnostics.issues)
        }
        return LoadedConfig(config: config, warnings: diagnostics.warnings, notes: diagnostics.notes)
    }

    private static func build(_ node: Node, path: String, _ context: ConfigContext) -> Config? {
        let diagnostics = context.diagnostics
        guard let root = MappingReader(
            node, .root, known: rootKeys, diagnostics, expected: "a mapping with control_center, devices and more",
            relocations: nestedKeys)
        else { return nil }
        let controlCenter = ConfigSections.controlCenter(root, context)
        let poll = ConfigSections.poll(root)
        let stateFile = ConfigSections.stateFile(root, context)
        let fleet = ConfigFleet.load(root)
        let devices = ConfigDevices.load(root, context, optional: fleet.discover)
        let (plans, planOrder) = ConfigThresholds.plans(root)
        let thresholds = ConfigThresholds.thresholds(root)
        let webhooks = ConfigWebhooks.load(root, context)
        let delivery = ConfigSections.delivery(root)
        let metrics = ConfigSections.metrics(root)
        let log = ConfigSections.log(root)
        let maintenance = ConfigNoise.maintenance(root)
        let flapping = ConfigNoise.flapping(root)
        let silencesFile = ConfigNoise.silencesFile(root, context)

        ConfigThresholds.warnAboutPercentThresholds(thresholds, plans: plans, order: planOrder, diagnostics)
        if webhooks.isEmpty, !root.has("webhooks") {
            diagnostics.warning("no webhooks configured: events are only logged", at: root.mark, root.path.key("webhooks"))
        }
        if let controlCenter {
            warnIfFleetDoesNotFit(devices.count, controlCenter, poll, root)
            checkControlCenterPace(controlCenter, root, context)
        }
        let billing = ConfigInsight.billing(root)
        let forecast = ConfigInsight.forecast(root)
        let spikes = ConfigInsight.spikes(root)
        let digest = ConfigInsight.digest(root, webhooks: webhooks)
        guard let controlCenter else { return nil }
        var config = Config(
            path: path, controlCenter: controlCenter, poll: poll, stateFile: stateFile, devices: devices,
            plans: plans, thresholds: thresholds.map(\.threshold), webhooks: webhooks, delivery: delivery,
            metrics: metrics, log: log, fleet: fleet)
        config.maintenance = maintenance
        config.flapping = flapping
        config.silencesFile = silencesFile
        config.billing = billing
        config.forecast = forecast
        config.spikes = spikes
        config.digest = digest
        ConfigRoutes.warnAboutUnreachableWebhooks(config, root)
        return config
    }

    /// A fleet larger than one interval's budget is polled on a budget: a note. One that
    /// even `max_interval` cannot cover is a warning naming the shortest one that can.
    private static func warnIfFleetDoesNotFit(
        _ deviceCount: Int, _ controlCenter: ControlCenterSettings, _ poll: PollSettings, _ root: MappingReader
    ) {
        let budget = PollBudget.pollsPerInterval(rateLimit: controlCenter.rateLimit, interval: poll.interval)
        guard deviceCount > budget else { return }
        let section = root.value("poll")
        if let warning = PollBudget.coverageWarning(
            sims: deviceCount, rateLimit: controlCenter.rateLimit, maxInterval: poll.maxInterval) {
            root.diagnostics.warning(
                warning, at: section?["max_interval"]?.mark ?? section?.mark ?? root.mark,
                root.path.key("poll").key("max_interval"))
            return
        }
        root.diagnostics.note(
            "\(deviceCount) devices are more than the \(budget) polls one interval of \(ConfigText.duration(poll.interval)) "
                + "holds at \(HumanFormat.decimal(controlCenter.rateLimit)) requests/s: polling is budgeted, SIMs closest "
                + "to a threshold first, every SIM at least every \(ConfigText.duration(poll.maxInterval))",
            at: section?["interval"]?.mark ?? section?.mark ?? root.mark, root.path.key("poll").key("interval"))
    }

    /// The watchdog warning for a long `timeout`, and `check`'s note for a rate above 5/s.
    private static func checkControlCenterPace(
        _ controlCenter: ControlCenterSettings, _ root: MappingReader, _ context: ConfigContext
    ) {
        let section = root.value("control_center")
        let path = root.path.key("control_center")
        let watchdog = WatchdogBudget.period(environment: context.environment)
        if let warning = WatchdogBudget.warning(timeout: controlCenter.timeout, watchdog: watchdog) {
            let mark = section?["timeout"]?.mark ?? section?.mark ?? root.mark
            context.diagnostics.warning(warning, at: mark, path.key("timeout"))
        }
        if controlCenter.rateLimit > ConfigBounds.rateLimitNoteAbove {
            context.diagnostics.note(
                "\(HumanFormat.decimal(controlCenter.rateLimit)) requests/s is above the 5/s Control Center accounts "
                    + "usually allow: expect rate-limited answers (simwatch then pauses) unless yours allows more",
                at: section?["rate_limit"]?.mark ?? section?.mark, path.key("rate_limit"))
        }
    }

    /// Where a key misplaced at the top level belongs, for "did you mean" hints.
    private static let nestedKeys: [String: String] = {
        let sections: [(String, [String])] = [
            ("control_center", ConfigSections.controlCenterKeys), ("poll", ConfigSections.pollKeys),
            ("fleet", ConfigFleet.keys),
            ("delivery", ConfigSections.deliveryKeys), ("metrics", ConfigSections.metricsKeys),
            ("log", ConfigSections.logKeys), ("billing", ConfigInsight.billingKeys), ("forecast", ConfigInsight.forecastKeys),
            ("digest", ConfigInsight.digestKeys),
        ]
        var result: [String: String] = [:]
        for (section, keys) in sections {
            for key in keys where result[key] == nil { result[key] = "\(section).\(key)" }
        }
        return result
    }()

    /// The directory relative paths start from; empty for a bare file name (the working directory).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Yams' messages quote the surrounding YAML, which may hold a secret: keep only the problem.
    private static func reportYAMLError(_ error: any Error, _ diagnostics: ConfigDiagnostics) {
        guard let error = error as? YamlError else {
            diagnostics.error("cannot parse YAML", at: nil, .root)
            return
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            diagnostics.error(message, at: mark, .root)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map(ConfigText.quoted).joined(separator: ", ")
            diagnostics.error("duplicate key \(names) in one mapping", at: context.mark, .root)
        case .reader(let problem, _, _, _):
            diagnostics.error("invalid YAML: \(problem)", at: nil, .root)
        default:
            diagnostics.error("cannot parse YAML", at: nil, .root)
        }
    }
}
