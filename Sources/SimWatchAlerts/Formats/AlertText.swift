import Foundation
import SimWatchConfig
import SimWatchCore

/// The words people read in chat alerts, shared by every text format.
enum AlertText {
    /// `Status changed`, `Overage limit reached`, … one short title per kind.
    package static func title(of event: Event) -> String {
        switch event.kind {
        case .statusChanged: "Status changed"
        case .overageLimitChanged: isClearing(event) ? "Overage limit cleared" : "Overage limit reached"
        case .overageOverrideChanged: "Overage override changed"
        case .thresholdCrossed: "Threshold crossed"
        case .ratePlanChanged: "Rate plan changed"
        case .communicationPlanChanged: "Communication plan changed"
        case .imeiChanged: "IMEI changed"
        case .cycleReset: "Cycle reset"
        case .deviceNotFound: "Device not found"
        case .deviceDiscovered: "Device discovered"
        case .pollFailed: "Poll failed"
        case .pollRecovered: "Poll recovered"
        case .stateReset: "State reset"
        case .flapping: "Flapping"
        case .flappingEnded: "Flapping ended"
        case .test: "Test alert (no action needed)"
        }
    }

    /// Whether the event ends a condition another event raised: an overage limit that
    /// cleared, or polling that works again.
    static func isClearing(_ event: Event) -> Bool {
        switch event.kind {
        case .overageLimitChanged: event.current == .bool(false)
        case .pollRecovered, .flappingEnded: true
        default: false
        }
    }

    /// A colored marker chat clients show before the title; tests get their own.
    package static func marker(for event: Event) -> String {
        if event.kind == .test { return "🧪" }
        return switch event.severity {
        case .critical: "🔴"
        case .warning: "🟠"
        case .info: "🔵"
        }
    }

    /// `🔴 Status changed`
    static func headline(of event: Event) -> String {
        "\(marker(for: event)) \(title(of: event))"
    }

    /// `critical`, or `test` for a test alert so nobody mistakes it for a real one.
    static func severityLabel(of event: Event) -> String {
        event.kind == .test ? "test (\(event.severity.rawValue))" : event.severity.rawValue
    }

    /// `2026-11-27 10:00 UTC`
    package static func time(_ date: Date) -> String {
        Timestamp.minuteUTC(date)
    }

    /// `2026-11-27T10:00:00Z`, the RFC 3339 form machine receivers parse.
    static func rfc3339(_ date: Date) -> String {
        Timestamp.rfc3339(date)
    }

    /// `simwatch: 3 alerts`, with `(part 2 of 3)` when a batch needs several messages.
    static func batchTitle(for events: [Event], part: Int = 1, of parts: Int = 1) -> String {
        batchTitle(count: events.count, allTests: !events.isEmpty && events.allSatisfy { $0.kind == .test },
                   part: part, of: parts)
    }

    /// The longest title a batch of `count` events can get, for reserving room before packing.
    static func longestBatchTitle(count: Int) -> String {
        batchTitle(count: count, allTests: false, part: count, of: count + 1)
    }

    private static func batchTitle(count: Int, allTests: Bool, part: Int, of parts: Int) -> String {
        var title = allTests ? "simwatch: test alert" : "simwatch: \(count) alert\(count == 1 ? "" : "s")"
        if parts > 1 { title += " (part \(part) of \(parts))" }
        return title
    }

    /// A previous or current value in human units: sizes for counters, words for flags.
    package static func human(_ value: EventValue?, of event: Event) -> String? {
        switch value {
        case nil: nil
        case .string(let text): text.isEmpty ? "(none)" : text
        case .bool(let flag):
            [.overageLimitChanged, .flapping, .flappingEnded].contains(event.kind)
                ? (flag ? "reached" : "not reached") : (flag ? "yes" : "no")
        case .number(let number): event.metric.map { HumanFormat.value(number, of: $0) } ?? String(number)
        }
    }

    /// The observed value of a threshold event in human units: `812.3 MB`.
    static func valueHuman(of event: Event) -> String? {
        guard let value = event.value else { return nil }
        return event.metric.map { HumanFormat.value(value, of: $0) } ?? String(value)
    }

    /// The threshold in human units, with its percent of plan: `800 MB (80 %)`.
    static func thresholdHuman(of event: Event) -> String? {
        guard let threshold = event.threshold else { return nil }
        let text = event.metric.map { HumanFormat.value(threshold, of: $0) } ?? String(threshold)
        guard let percent = event.thresholdPercent else { return text }
        return "\(text) (\(HumanFormat.decimal(percent)) %)"
    }

    /// Name-value pairs for cards and embeds: Severity, ICCID, Device, Previous, Current,
    /// Value, Threshold, Observed; absent ones are left out.
    static func facts(of event: Event) -> [(name: String, value: String)] {
        let facts: [(String, String?)] = [
            ("Severity", severityLabel(of: event)),
            ("ICCID", event.iccid),
            ("Device", event.deviceName),
            ("Previous", human(event.previous, of: event)),
            ("Current", human(event.current, of: event)),
            ("Value", valueHuman(of: event)),
            ("Threshold", thresholdHuman(of: event)),
            ("Observed", time(event.observedAt)),
        ]
        return facts.compactMap { name, value in value.map { (name, $0) } }
    }
}
