import Foundation
import SimWatchConfig
import SimWatchCore

/// Builds every event simwatch raises, so that ids and summaries follow one rule.
///
/// Device events come from the `Detector`; the daemon-level ones (poll failures, state
/// resets, test alerts) are built here too, so no other code invents an id.
public enum EventFactory {
    /// Joins the id fields; a unit separator cannot appear in an epoch (the state reader
    /// refuses control characters in it), an ICCID, a kind or a number, and Control Center
    /// does not send control characters in names.
    static let fieldSeparator = "\u{1F}"

    /// The event id: first 16 hex digits of SHA-256 over the state file's epoch and the transition.
    ///
    /// - Parameters:
    ///   - epoch: the state file's epoch (`PersistentState.epoch`), new with each new or
    ///     reset state file, so ids never repeat after a reset.
    ///   - iccid: the device's ICCID; `nil` for daemon-level events.
    ///   - sequence: the device's observation number, or the cycle number for daemon-level
    ///     events. Repeating a poll after a crash gives the same id; the same transition
    ///     happening later gives a new one.
    public static func eventID(
        epoch: String, iccid: String?, kind: EventKind, previous: EventValue?, current: EventValue?,
        thresholdKey: String?, sequence: Int
    ) -> String {
        let fields = [
            epoch, iccid ?? "", kind.rawValue, idField(previous), idField(current),
            thresholdKey ?? "", String(sequence),
        ]
        return String(Digest.sha256Hex(fields.joined(separator: fieldSeparator)).prefix(16))
    }

    /// Tags the value's type so that the string `"true"` and the boolean `true` differ.
    private static func idField(_ value: EventValue?) -> String {
        switch value {
        case nil: ""
        case .string(let text): "s:" + text
        case .bool(let flag): "b:" + String(flag)
        case .number(let number): "n:" + String(number)
        }
    }

    /// `truck-17 (8988216716970004975)` for a named device, the bare ICCID otherwise.
    package static func title(of device: DeviceEntry) -> String {
        guard let name = configuredName(device) else { return device.iccid }
        return "\(name) (\(device.iccid))"
    }

    static func configuredName(_ device: DeviceEntry) -> String? {
        guard let name = device.name, !name.isEmpty else { return nil }
        return name
    }

    static func configuredLabels(_ device: DeviceEntry) -> [String: String]? {
        device.labels.isEmpty ? nil : device.labels
    }
}

/// Everything a device event shares within one observation of one device.
package struct DeviceEventContext {
    /// The state file's epoch, the first field of every id.
    package var epoch: String
    package var device: DeviceEntry
    /// The record just observed; attached to every event of the observation.
    package var record: DeviceUsage?
    package var observation: Int
    package var observedAt: Date

    /// An event for this device, with its id, title-prefixed summary, name and labels.
    package func event(
        _ kind: EventKind, _ severity: Severity, detail: String,
        previous: EventValue? = nil, current: EventValue? = nil, metric: Metric? = nil,
        threshold: Int64? = nil, thresholdKey: String? = nil, value: Int64? = nil,
        thresholdPercent: Double? = nil, percentOfPlan: Double? = nil
    ) -> Event {
        let id = EventFactory.eventID(
            epoch: epoch, iccid: device.iccid, kind: kind, previous: previous, current: current,
            thresholdKey: thresholdKey, sequence: observation
        )
        return Event(
            id: id, kind: kind, severity: severity, iccid: device.iccid,
            deviceName: EventFactory.configuredName(device),
            labels: EventFactory.configuredLabels(device), observedAt: observedAt,
            summary: "\(EventFactory.title(of: device)): \(detail)",
            previous: previous, current: current, metric: metric, threshold: threshold,
            value: value, thresholdPercent: thresholdPercent, percentOfPlan: percentOfPlan,
            device: record
        )
    }
}
