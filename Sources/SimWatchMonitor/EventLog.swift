import Logging
import SimWatchCore

/// Writes each event as one grep-able log line: `msg="status changed" kind=status_changed iccid=…`.
public enum EventLog {
    /// Logs `event` at the level matching its severity; `silenced` names the silence or
    /// window that keeps it from being sent, `damped` marks a change of a flapping device.
    public static func log(_ event: Event, to logger: Logger, silenced: String? = nil, damped: Bool = false) {
        var metadata: Logger.Metadata = [
            "kind": "\(event.kind.rawValue)",
            "severity": "\(event.severity.rawValue)",
            "event_id": "\(event.id)",
        ]
        if let iccid = event.iccid {
            metadata["iccid"] = "\(iccid)"
        } else {
            // Daemon-level events have no device fields: the summary carries the reason.
            metadata["summary"] = "\(event.summary)"
        }
        if let name = event.deviceName { metadata["device"] = "\(name)" }
        if let previous = event.previous { metadata["previous"] = "\(previous)" }
        if let current = event.current { metadata["current"] = "\(current)" }
        if let metric = event.metric { metadata["metric"] = "\(metric.rawValue)" }
        if let value = event.value { metadata["value"] = "\(value)" }
        if let threshold = event.threshold { metadata["threshold"] = "\(threshold)" }
        if let percent = event.percentOfPlan { metadata["percent_of_plan"] = "\(HumanFormat.decimal(percent))" }
        if let silenced { metadata["silenced"] = "\(silenced)" }
        if damped { metadata["damped"] = "flapping" }
        if let changes = event.changes { metadata["changes"] = "\(changes)" }
        if let within = event.within { metadata["within"] = "\(within)s" }
        logger.log(level: level(for: event.severity), "\(message(for: event.kind))", metadata: metadata)
    }

    package static func level(for severity: Severity) -> Logger.Level {
        switch severity {
        case .info: .info
        case .warning: .warning
        case .critical: .critical
        }
    }

    /// `status_changed` -> `status changed`.
    package static func message(for kind: EventKind) -> String {
        kind.rawValue.replacingOccurrences(of: "_", with: " ")
    }
}
