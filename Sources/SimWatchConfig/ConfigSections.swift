import Foundation
import Logging
import SimWatchCore
import Yams

/// The small sections: `control_center`, `poll`, `delivery`, `metrics`, `log`.
enum ConfigSections {
    static let controlCenterKeys = [
        "base_url", "username", "api_key_file", "api_key_env", "api_version", "timeout", "rate_limit", "concurrency",
    ]
    static let pollKeys = ["interval", "max_interval"]
    static let deliveryKeys = ["max_age", "group_wait", "max_rate"]
    static let metricsKeys = ["listen", "per_device"]
    static let logKeys = ["format", "level"]

    package static func controlCenter(_ root: MappingReader, _ context: ConfigContext) -> ControlCenterSettings? {
        guard let node = root.required("control_center"),
              let section = MappingReader(node, root.path.key("control_center"), known: controlCenterKeys, context.diagnostics)
        else { return nil }
        let baseURL = section.scalar("base_url", required: true, expected: "a URL", baseURL)
        let username = section.string("username", required: true)
        let apiKey = section.secret(
            inline: nil, file: "api_key_file", env: "api_key_env", what: "API key", required: true, context)
        let defaults = ControlCenterSettings(baseURL: "", username: "", apiKey: Secret(""))
        let apiVersion = section.integer("api_version", in: ConfigBounds.apiVersion) ?? defaults.apiVersion
        let timeout = section.duration("timeout", in: ConfigBounds.timeout, allowZero: false) ?? defaults.timeout
        let rateLimit = section.positiveNumber(
            "rate_limit", minimum: ConfigBounds.rateLimit.lowerBound, maximum: ConfigBounds.rateLimit.upperBound)
            ?? defaults.rateLimit
        let concurrency = section.integer("concurrency", in: ConfigBounds.concurrency) ?? defaults.concurrency
        guard let baseURL, let username, let apiKey else { return nil }
        return ControlCenterSettings(
            baseURL: baseURL, username: username, apiKey: Secret(apiKey.value), apiVersion: apiVersion,
            timeout: timeout, rateLimit: rateLimit, concurrency: concurrency)
    }

    package static func poll(_ root: MappingReader) -> PollSettings {
        var settings = PollSettings()
        guard let section = root.mapping("poll", known: pollKeys) else { return settings }
        if let interval = section.duration("interval", in: ConfigBounds.pollInterval, allowZero: false) {
            settings.interval = interval
        }
        // Unwritten, it is 24 h or the interval when that is longer: a long interval alone stays valid.
        guard let maxInterval = section.duration("max_interval", in: ConfigBounds.pollMaxInterval, allowZero: false)
        else {
            settings.maxInterval = max(settings.maxInterval, settings.interval)
            return settings
        }
        if maxInterval < settings.interval {
            section.diagnostics.error(
                "max_interval (\(ConfigText.duration(maxInterval))) must be at least interval "
                    + "(\(ConfigText.duration(settings.interval))): every SIM waits at least one interval between polls",
                at: section.valueMark("max_interval"), section.path.key("max_interval"))
        }
        settings.maxInterval = max(maxInterval, settings.interval)
        return settings
    }

    package static func delivery(_ root: MappingReader) -> DeliverySettings {
        var settings = DeliverySettings()
        guard let section = root.mapping("delivery", known: deliveryKeys) else { return settings }
        let maxAge = section.duration("max_age", in: .zero...ConfigBounds.maxAge, allowZero: false)
        if let maxAge { settings.maxAge = maxAge }
        if let groupWait = section.duration("group_wait", in: ConfigBounds.groupWait) { settings.groupWait = groupWait }
        if let maxRate = section.positiveNumber("max_rate", maximum: ConfigBounds.maxRate) { settings.maxRate = maxRate }
        // An event must be able to wait out its group before it may expire.
        if settings.maxAge < settings.groupWait {
            let key = maxAge != nil ? "max_age" : "group_wait"
            section.diagnostics.error(
                "max_age (\(ConfigText.duration(settings.maxAge))) must be at least group_wait "
                    + "(\(ConfigText.duration(settings.groupWait))): events would expire while they wait for their group",
                at: section.valueMark(key), section.path.key(key))
        }
        return settings
    }

    package static func metrics(_ root: MappingReader) -> MetricsSettings? {
        guard let section = root.mapping("metrics", known: metricsKeys) else { return nil }
        let perDevice = section.scalar("per_device", expected: "true or false", boolean)
        guard let address = section.scalar("listen", required: true, expected: "host:port", hostPort) else { return nil }
        var settings = MetricsSettings(address: address)
        settings.perDevice = perDevice ?? false
        return settings
    }

    package static func log(_ root: MappingReader) -> LogSettings {
        var settings = LogSettings()
        guard let section = root.mapping("log", known: logKeys) else { return settings }
        if let format = section.choice("format", of: LogSettings.Format.allCases) { settings.format = format }
        if let level = section.choice("level", of: Logger.Level.allCases) { settings.level = level }
        return settings
    }

    /// `state_file`, or `$STATE_DIRECTORY/state.json` under systemd, or `./simwatch-state.json`.
    package static func stateFile(_ root: MappingReader, _ context: ConfigContext) -> String {
        if let path = root.string("state_file") { return context.resolve(path) }
        // systemd passes one directory per StateDirectory= entry, colon-separated.
        if let directories = context.environment["STATE_DIRECTORY"],
           let first = directories.split(separator: ":").first, !first.isEmpty {
            return first.hasSuffix("/") ? first + "state.json" : first + "/state.json"
        }
        return "./simwatch-state.json"
    }

    /// An http(s) URL of scheme, host and optional port only; returned without a trailing slash.
    ///
    /// Messages never repeat the URL: it could carry credentials.
    package static func baseURL(_ text: String) throws(ValueProblem) -> String {
        let example = "e.g. https://rws-jpotest.jasper.com"
        guard let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else { throw ValueProblem("expected an http or https URL, \(example)") }
        guard components.user == nil, components.password == nil else {
            throw ValueProblem("must not contain a user name or password: use username and api_key_file")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil, components.fragment == nil else {
            throw ValueProblem("expected scheme and host only, without a path, query or fragment, \(example)")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// `true` or `false`.
    static func boolean(_ text: String) throws(ValueProblem) -> Bool {
        switch text {
        case "true": return true
        case "false": return false
        default: throw ValueProblem("expected true or false; got \(ConfigText.quoted(text))")
        }
    }

    /// `127.0.0.1:9464`, `[::1]:9464`, `localhost:9464`: `HostPort.parse`, the one parser `run` binds with.
    static func hostPort(_ text: String) throws(ValueProblem) -> HostPort {
        do {
            return try HostPort.parse(text)
        } catch {
            throw ValueProblem(error.message)
        }
    }
}
