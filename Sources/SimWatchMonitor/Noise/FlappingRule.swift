import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchState

/// Damping of a device whose status or overage flag keeps changing (DESIGN.md, "Noise
/// control and routing"): a pure function of the device's history and one observation.
///
/// When a field changed `changes` times within `within`, one `flapping` event replaces the
/// change event that reached the count; later changes of that field are damped (logged,
/// not sent) until none happened for `within`; then `flapping_ended` carries the value
/// before the first counted change as `previous` and the value now as `current`. The
/// "stable again" check runs at each observation of the device and at each cycle's end.
public enum FlappingRule {
    /// What one observation's events become.
    public struct Outcome: Sendable, Equatable {
        /// To raise: `flapping_ended` first, then the observation's events with a
        /// `flapping` in place of the change that reached the count.
        public var events: [Event]
        /// Changes of a flapping field: logged, never sent.
        public var damped: [Event]
    }

    /// Applies the rule to the events of one observation made at `context.observedAt`.
    package static func apply(
        _ events: [Event], history: inout FlapHistory?, settings: FlappingSettings, context: DeviceEventContext
    ) -> Outcome {
        var tracks = history ?? FlapHistory()
        var ended: [Event] = []
        for field in Field.allCases {
            // Stable up to this observation: the value it was stable at is the one before its change, if any.
            let stableValue = events.first { $0.kind == field.kind }?.previous ?? field.value(of: context.record)
            if let event = settle(field, &tracks, settings, context, value: stableValue) { ended.append(event) }
        }
        var raised: [Event] = [], damped: [Event] = []
        for event in events {
            guard let field = Field(event.kind), let previous = event.previous else {
                raised.append(event)
                continue
            }
            var track = tracks[field] ?? FlapTrack()
            track.changes.append(FlapChange(at: context.observedAt, previous: previous))
            track.changes = recent(track.changes, at: context.observedAt, settings)
            if track.flappingSince != nil {
                damped.append(event)
            } else if track.changes.count >= settings.changes {
                track.flappingSince = context.observedAt
                track.before = track.changes.first?.previous
                raised.append(flappingEvent(field, replacing: event, count: track.changes.count, settings, context))
            } else {
                raised.append(event)
            }
            tracks[field] = track
        }
        history = tracks.isEmpty ? nil : tracks
        return Outcome(events: ended + raised, damped: damped)
    }

    /// `flapping_ended` for each flapping field of the device that has been stable for
    /// `within` at `context.observedAt`, and forgets changes too old to count (cycle end).
    package static func settle(
        history: inout FlapHistory?, settings: FlappingSettings, context: DeviceEventContext
    ) -> [Event] {
        guard var tracks = history else { return [] }
        let events = Field.allCases.compactMap { field in
            settle(field, &tracks, settings, context, value: field.value(of: context.record))
        }
        history = tracks.isEmpty ? nil : tracks
        return events
    }

    private static func settle(
        _ field: Field, _ tracks: inout FlapHistory, _ settings: FlappingSettings, _ context: DeviceEventContext,
        value: EventValue?
    ) -> Event? {
        guard var track = tracks[field] else { return nil }
        let now = context.observedAt
        guard let since = track.flappingSince else {
            track.changes = recent(track.changes, at: now, settings)
            tracks[field] = track.changes.isEmpty ? nil : track
            return nil
        }
        let lastChange = track.changes.last?.at ?? since
        guard now.timeIntervalSince(lastChange) >= settings.within.seconds else { return nil }
        tracks[field] = nil
        let stable = HumanFormat.duration(settings.within)
        let detail = "\(field.name) stable for \(stable) again: \(describe(track.before, field)) when it began flapping, "
            + "\(describe(value, field)) now"
        return context.event(.flappingEnded, .info, detail: detail, previous: track.before, current: value)
    }

    /// The changes still inside the window ending at `now`, at most `changes` of them.
    private static func recent(_ changes: [FlapChange], at now: Date, _ settings: FlappingSettings) -> [FlapChange] {
        let window = settings.within.seconds
        return Array(changes.filter { now.timeIntervalSince($0.at) < window }.suffix(settings.changes))
    }

    private static func flappingEvent(
        _ field: Field, replacing change: Event, count: Int, _ settings: FlappingSettings, _ context: DeviceEventContext
    ) -> Event {
        let detail = "\(field.name) flapping: \(count) changes within \(HumanFormat.duration(settings.within)), "
            + "\(describe(change.current, field)) now; further changes are logged, not sent, until it is stable"
        var event = context.event(.flapping, .warning, detail: detail, current: change.current)
        event.changes = count
        event.within = settings.within.wholeMilliseconds / 1000
        return event
    }

    private static func describe(_ value: EventValue?, _ field: Field) -> String {
        switch value {
        case nil: "unknown"
        case .bool(let flag): flag ? "reached" : "not reached"
        case .string(let text): text.isEmpty ? "(none)" : text
        case .number(let number): String(number)
        }
    }

    /// A field flapping watches, and the change event it raises.
    enum Field: CaseIterable {
        case status
        case overage

        init?(_ kind: EventKind) {
            switch kind {
            case .statusChanged: self = .status
            case .overageLimitChanged: self = .overage
            default: return nil
            }
        }

        var kind: EventKind { self == .status ? .statusChanged : .overageLimitChanged }
        var name: String { self == .status ? "status" : "overage limit" }

        func value(of record: DeviceUsage?) -> EventValue? {
            switch self {
            case .status: record?.status.map(EventValue.string)
            case .overage: record?.overageLimitReached.map(EventValue.bool)
            }
        }
    }
}

extension FlapHistory {
    fileprivate subscript(field: FlappingRule.Field) -> FlapTrack? {
        get { field == .status ? status : overage }
        set { if field == .status { status = newValue } else { overage = newValue } }
    }
}
