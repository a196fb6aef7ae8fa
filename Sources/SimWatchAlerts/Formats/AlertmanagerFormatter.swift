import Foundation
import SimWatchCore

/// Prometheus Alertmanager (`POST /api/v2/alerts`): a JSON array of alerts.
///
/// Change events fire without `endsAt` and end by Alertmanager's `resolve_timeout`.
/// Clearing events resolve what their firing event raised: an overage limit cleared
/// posts `SimwatchOverageLimitChanged` with the firing labels (severity `critical`) and
/// `endsAt`; `poll_recovered` does the same for `SimwatchPollFailed`.
public struct AlertmanagerFormatter: WebhookFormatter {
    /// Alerts per POST; keeps bodies far below any proxy's limit.
    public var maxAlertsPerMessage: Int

    public init(maxAlertsPerMessage: Int = 500) {
        self.maxAlertsPerMessage = maxAlertsPerMessage
    }

    public func payloads(for events: [Event]) throws -> [WebhookPayload] {
        MessagePacking(maxItems: maxAlertsPerMessage).groups(count: events.count).map { range in
            let body = JSONValue.array(events[range].map(Self.alert))
            return WebhookPayload(body: body.data, eventIDs: events[range].map(\.id))
        }
    }

    package static func alert(_ event: Event) -> JSONValue {
        let clearing = AlertText.isClearing(event)
        let time = JSONValue.string(AlertText.rfc3339(event.observedAt))
        return .members([
            ("labels", .object(labels(event).map { ($0.name, .string($0.value)) })),
            ("annotations", .members([
                ("summary", .string(event.summary)),
                ("previous", event.previous.map { .string($0.description) }),
                ("current", event.current.map { .string($0.description) }),
            ])),
            ("startsAt", time),
            ("endsAt", clearing ? time : nil),
        ])
    }

    /// `alertname`, `iccid`, `severity`, `device_name`, then the device's labels under
    /// Prometheus-safe names; simwatch's own labels win over a device label of the same name.
    package static func labels(_ event: Event) -> [(name: String, value: String)] {
        let clearing = AlertText.isClearing(event)
        // A clearing event must carry exactly the labels its firing event had.
        let firingKind: EventKind = switch event.kind {
        case .pollRecovered: .pollFailed
        case .flappingEnded: .flapping
        default: event.kind
        }
        // The firing event's severity: critical for overage and poll failures, warning for flapping.
        let firingSeverity: Severity = firingKind == .flapping ? .warning : .critical
        var labels: [(name: String, value: String)] = [("alertname", alertName(firingKind))]
        if let iccid = event.iccid { labels.append(("iccid", iccid)) }
        labels.append(("severity", clearing ? firingSeverity.rawValue : event.severity.rawValue))
        if let name = event.deviceName { labels.append(("device_name", name)) }
        var taken = Set(labels.map(\.name))
        for (key, value) in (event.labels ?? [:]).sorted(by: { $0.key < $1.key }) {
            let name = labelName(key)
            guard taken.insert(name).inserted else { continue }
            labels.append((name, value))
        }
        return labels
    }

    /// `Simwatch` plus the kind in CamelCase: `SimwatchStatusChanged`.
    static func alertName(_ kind: EventKind) -> String {
        "Simwatch" + kind.rawValue.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// A label name matching `[a-zA-Z_][a-zA-Z0-9_]*`: other characters become `_`.
    static func labelName(_ key: String) -> String {
        var name = String(key.unicodeScalars.map { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) || scalar == "_"
                ? Character(scalar) : "_"
        })
        if name.isEmpty || name.first!.isNumber { name = "_" + name }
        return name
    }
}
