import SimWatchCore
import Yams

extension Config {
    /// Which webhooks each event kind can reach, judged from the configuration alone:
    /// `kinds`, `min_severity` against the severities the kind can have, and `match`
    /// (its kind and severity keys, and its iccid, device and label keys against the
    /// configured devices). Status and rate plan keys are judged as events come.
    public func routes() -> [(kind: EventKind, webhooks: [String])] {
        // Without `digest:` no digest is made; with it, it goes to the digest's webhooks
        // whatever their kinds and match.
        ConfigRoutes.routableKinds.filter { $0 != .digest || digest != nil }.map { kind in
            guard kind != .digest else { return (kind, digestWebhooks) }
            return (kind, webhooks.filter { ConfigRoutes.canReach($0, kind, devices: devices, discover: fleet.discover) }.map(\.name))
        }
    }

    /// `check`'s lines for noise control and `routes()` (one per kind).
    package func routeLines() -> [String] {
        var lines = ["Flapping: " + (flapping.map {
            "\($0.changes) changes within \(HumanFormat.duration($0.within)) make a device flapping"
        } ?? "off")]
        lines.append("Silences file: \(silencesPath)")
        if maintenance.isEmpty {
            lines.append("Maintenance windows: none")
        } else {
            lines.append("Maintenance windows:")
            let order = Weekday.allCases
            for window in maintenance {
                let days = window.days.count == order.count
                    ? "every day" : order.filter(window.days.contains).map(\.rawValue).joined(separator: ",")
                lines.append("  \(window.name): \(days) \(Self.clock(window.from))-\(Self.clock(window.to)) "
                    + "\(window.timeZone.identifier), match \(window.match)")
            }
        }
        // Kinds reaching the same webhooks share a line, in the order kinds are listed.
        var groups: [(webhooks: [String], kinds: [String])] = []
        for route in routes() {
            if let index = groups.firstIndex(where: { $0.webhooks == route.webhooks }) {
                groups[index].kinds.append(route.kind.rawValue)
            } else {
                groups.append((route.webhooks, [route.kind.rawValue]))
            }
        }
        lines.append("Routes (event kinds -> webhooks):")
        lines += groups.map { group in
            "  \(group.kinds.joined(separator: ", ")) -> "
                + (group.webhooks.isEmpty ? "(none: only logged)" : group.webhooks.joined(separator: ", "))
        }
        return lines
    }

    /// `02:00` for 7200 seconds after midnight.
    private static func clock(_ seconds: Int) -> String {
        let hours = seconds / 3600, minutes = seconds % 3600 / 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
    }
}

/// The routing judgement behind `Config.routes()` and the unreachable-webhook warning.
enum ConfigRoutes {
    /// Every kind but `test`, which reaches every webhook by design.
    static let routableKinds = EventKind.allCases.filter { $0 != .test }

    /// Warns about each webhook that no event can reach, at its entry.
    package static func warnAboutUnreachableWebhooks(_ config: Config, _ root: MappingReader) {
        let entries: [Node]
        if case .sequence(let sequence)? = root.value("webhooks") { entries = Array(sequence) } else { entries = [] }
        let digestWebhooks = config.digest == nil ? [] : config.digestWebhooks
        for (index, webhook) in config.webhooks.enumerated()
        where !digestWebhooks.contains(webhook.name)
            && !routableKinds.contains(where: { $0 != .digest && canReach(webhook, $0, devices: config.devices, discover: config.fleet.discover) }) {
            let mark = index < entries.count ? entries[index].mark : root.mark
            root.diagnostics.warning(
                "no event can reach webhook \"\(webhook.name)\": its kinds, min_severity and match exclude every event "
                    + "(match keys iccid, device and label.NAME are checked against the configured devices; "
                    + "discovered SIMs have no name or labels)",
                at: mark, root.path.key("webhooks").index(index))
        }
    }

    /// With `discover`, SIMs beyond `devices` come and go (no name, no labels): a match
    /// without `device` and `label.` keys may reach one of them.
    static func canReach(_ webhook: WebhookSettings, _ kind: EventKind, devices: [DeviceEntry], discover: Bool) -> Bool {
        if let kinds = webhook.kinds, !kinds.contains(kind) { return false }
        guard let highest = kind.possibleSeverities.max(), highest >= webhook.minSeverity else { return false }
        guard let match = webhook.match else { return true }
        if let kinds = match.kinds, !kinds.contains(kind) { return false }
        guard highest >= match.minimumSeverity else { return false }
        if kind.isDaemonLevel { return !match.needsDevice }
        if discover, !match.conditions.keys.contains(where: { key in
            if case .label = key { return true }
            return key == .device
        }) { return true }
        return devices.contains { match.canMatch($0) }
    }
}

extension EventKind {
    /// The severities an event of this kind can carry (DESIGN.md's table).
    public var possibleSeverities: [Severity] {
        switch self {
        case .statusChanged: [.warning, .critical]
        case .overageLimitChanged: [.info, .critical]
        case .thresholdCrossed: Severity.allCases
        case .overageOverrideChanged, .ratePlanChanged, .communicationPlanChanged, .cycleReset: [.info]
        case .imeiChanged, .pollFailed: [.critical]
        case .deviceNotFound, .stateReset, .flapping, .overageProjected, .usageSpike: [.warning]
        case .pollRecovered, .flappingEnded, .deviceDiscovered, .digest, .test: [.info]
        }
    }
}
