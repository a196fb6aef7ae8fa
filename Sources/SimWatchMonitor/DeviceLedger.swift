import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchState

/// The per-device rules that live beside the `Detector`: baseline, found again, unknown
/// values carried, observation numbers, thresholds re-armed.
///
/// Pure: each function takes a device's record and returns the new record's effect as
/// events, so every rule is table-tested without an engine, a clock or a file.
public enum DeviceLedger {
    /// Records one successful answer in `record`; returns the detection it made.
    ///
    /// The first answer is a baseline (no events). A device found again after
    /// `device_not_found` starts a new baseline; a counter below the stored one means the
    /// billing cycle turned while it was missing, so its thresholds re-arm. A field the
    /// answer leaves unknown keeps its last known value, so ACTIVATED → "" → DEACTIVATED
    /// is still reported as a change.
    public static func observe(
        _ usage: DeviceUsage, device: DeviceEntry, record: inout DeviceRecord, at observedAt: Date, epoch: String,
        rules: DetectionRules
    ) -> Detection {
        var previous = record.last
        if record.notFound {
            if let last = record.last, countersWentBack(from: last, to: usage) {
                record.thresholds = ThresholdState()
            }
            previous = nil
            record.notFound = false
        }
        let observation = record.observation.incrementedSaturating
        var detection = Detector.detect(
            DetectionInput(device: device, previous: previous, current: usage, thresholdState: record.thresholds,
                           observation: observation, observedAt: observedAt, epoch: epoch),
            rules: rules)
        record.last = usage.keepingKnownValues(of: record.last)
        record.observedAt = observedAt
        record.observation = observation
        record.thresholds = detection.thresholdState
        (detection.events, detection.damped) = dampFlapping(
            detection.events, device: device, record: &record, at: observedAt, epoch: epoch, rules: rules)
        return detection
    }

    /// Applies the flapping rule to the change events of an observation already stored in
    /// `record` (a usage answer, or a change feed listing); returns what to raise and what
    /// to log only. With flapping off, the history is forgotten.
    public static func dampFlapping(
        _ events: [Event], device: DeviceEntry, record: inout DeviceRecord, at: Date, epoch: String, rules: DetectionRules
    ) -> (events: [Event], damped: [Event]) {
        guard let settings = rules.flapping else {
            record.flapping = nil
            return (events, [])
        }
        guard !events.isEmpty || record.flapping != nil else { return (events, []) }
        let context = DeviceEventContext(
            epoch: epoch, device: device, record: record.last, observation: record.observation, observedAt: at)
        let outcome = FlappingRule.apply(events, history: &record.flapping, settings: settings, context: context)
        return (outcome.events, outcome.damped)
    }

    /// Records a 404 / 20000001: `device_not_found` once, then nothing until it is found again.
    public static func notFound(device: DeviceEntry, record: inout DeviceRecord, at: Date, epoch: String) -> Event? {
        guard !record.notFound else { return nil }
        record.notFound = true
        return EventFactory.deviceNotFound(epoch: epoch, device: device, observation: record.observation, at: at)
    }

    /// `flapping_ended` for a flapping device stable for `within` at `at` (a cycle's end).
    public static func settleFlapping(
        device: DeviceEntry, record: inout DeviceRecord, at: Date, epoch: String, rules: DetectionRules
    ) -> [Event] {
        guard record.flapping != nil else { return [] }
        guard let settings = rules.flapping else {
            record.flapping = nil
            return []
        }
        let context = DeviceEventContext(
            epoch: epoch, device: device, record: record.last, observation: record.observation, observedAt: at)
        return FlappingRule.settle(history: &record.flapping, settings: settings, context: context)
    }

    /// Re-evaluates thresholds against the last record after a reload; `nil` when there is
    /// nothing to evaluate (never polled, or not found).
    public static func reevaluate(
        device: DeviceEntry, record: inout DeviceRecord, at: Date, epoch: String, rules: DetectionRules
    ) -> Detection? {
        guard let last = record.last, !record.notFound else { return nil }
        let detection = Detector.detect(
            DetectionInput(device: device, previous: last, current: last, thresholdState: record.thresholds,
                           observation: record.observation, observedAt: at, epoch: epoch),
            rules: rules)
        record.thresholds = detection.thresholdState
        return detection
    }

    /// Whether any counter known in both records went down.
    static func countersWentBack(from old: DeviceUsage, to new: DeviceUsage) -> Bool {
        Metric.allCases.contains { metric in
            guard let before = old.counter(metric), let after = new.counter(metric) else { return false }
            return after < before
        }
    }
}

/// The daemon-level rule of a cycle's end: count it, raise `poll_failed` once per outage
/// and `poll_recovered` when it ends.
public enum CycleLedger {
    /// Closes cycle `cycle + 1` in `health`; returns the events it raised.
    public static func finish(
        failure: String?, cycle: inout Int, health: inout Health, at: Date, epoch: String
    ) -> [Event] {
        cycle = cycle.incrementedSaturating
        if let failure {
            health.consecutiveFailedCycles = health.consecutiveFailedCycles.incrementedSaturating
            guard !health.pollFailedRaised else { return [] }
            health.pollFailedRaised = true
            return [EventFactory.pollFailed(epoch: epoch, cycle: cycle, reason: failure, at: at)]
        }
        health.consecutiveFailedCycles = 0
        health.lastSuccessfulCycleAt = at
        guard health.pollFailedRaised else { return [] }
        health.pollFailedRaised = false
        return [EventFactory.pollRecovered(epoch: epoch, cycle: cycle, at: at)]
    }
}
