import Foundation
import SimWatchConfig
import SimWatchCore

extension EventFactory {
    /// `device_not_found` (warning): Control Center answered 20000001 for a configured ICCID.
    ///
    /// - Parameter observation: the device's stored observation number, which a failed
    ///   poll leaves unchanged; so the id repeats only if the same loss is re-detected
    ///   after a crash, and a device lost again after being found gets a new one.
    public static func deviceNotFound(epoch: String, device: DeviceEntry, observation: Int, at observedAt: Date) -> Event {
        let context = DeviceEventContext(
            epoch: epoch, device: device, record: nil, observation: observation, observedAt: observedAt
        )
        return context.event(
            .deviceNotFound, .warning,
            detail: "ICCID not found in Control Center (error 20000001); check the devices list"
        )
    }

    /// `poll_failed` (critical): a whole cycle failed, e.g. credentials rejected or API unreachable.
    ///
    /// The reason is shown to people as given: it must not hold a secret. It is left out
    /// of the id, so one cycle raises one `poll_failed` whatever the error text.
    public static func pollFailed(epoch: String, cycle: Int, reason: String, at observedAt: Date) -> Event {
        daemonEvent(.pollFailed, .critical, epoch: epoch, cycle: cycle, at: observedAt, summary: "simwatch: poll failed: \(reason)")
    }

    /// `poll_recovered` (info): a cycle succeeded after a failed one.
    public static func pollRecovered(epoch: String, cycle: Int, at observedAt: Date) -> Event {
        daemonEvent(
            .pollRecovered, .info, epoch: epoch, cycle: cycle, at: observedAt,
            summary: "simwatch: poll recovered: Control Center answers again"
        )
    }

    /// `state_reset` (warning): the state file could not be read and was renamed aside.
    ///
    /// - Parameter epoch: the new state file's epoch. A reset loses the cycle count; the
    ///   new epoch, and the name the file was set aside under, keep two resets' ids apart.
    public static func stateReset(epoch: String, cycle: Int, corruptPath: String, at observedAt: Date) -> Event {
        var event = daemonEvent(
            .stateReset, .warning, epoch: epoch, cycle: cycle, at: observedAt,
            summary: "simwatch: state file could not be read; kept as \(corruptPath); starting a new baseline"
        )
        event.id = eventID(epoch: epoch, iccid: nil, kind: .stateReset, previous: nil, current: .string(corruptPath),
                           thresholdKey: nil, sequence: cycle)
        return event
    }

    /// The `test` event (info) that `simwatch test-alert` sends.
    ///
    /// Its id derives from the time, so two test alerts are never taken for duplicates;
    /// it has no state file, hence no epoch.
    public static func test(at observedAt: Date) -> Event {
        let milliseconds = Int(exactly: (observedAt.timeIntervalSince1970 * 1000).rounded()) ?? 0
        return daemonEvent(
            .test, .info, epoch: "", cycle: milliseconds, at: observedAt,
            summary: "simwatch test alert: this webhook works, no action needed"
        )
    }

    private static func daemonEvent(
        _ kind: EventKind, _ severity: Severity, epoch: String, cycle: Int, at observedAt: Date, summary: String
    ) -> Event {
        let id = eventID(epoch: epoch, iccid: nil, kind: kind, previous: nil, current: nil, thresholdKey: nil, sequence: cycle)
        return Event(id: id, kind: kind, severity: severity, observedAt: observedAt, summary: summary)
    }
}
