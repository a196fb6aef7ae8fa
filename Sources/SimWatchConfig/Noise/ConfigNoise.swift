import Foundation
import SimWatchCore
import Yams

/// `flapping:` — damping of a device whose status or overage flag keeps changing.
public struct FlappingSettings: Sendable, Equatable {
    /// This many changes of one field …
    public var changes: Int
    /// … within this window make the device flapping.
    public var within: Duration

    public init(changes: Int = 4, within: Duration = .seconds(3600)) {
        self.changes = changes
        self.within = within
    }
}

/// The noise-control keys: `maintenance`, `flapping`, `silences_file`.
enum ConfigNoise {
    static let rootKeys = ["maintenance", "flapping", "silences_file"]
    static let windowKeys = ["name", "match", "days", "from", "to", "timezone"]
    static let flappingKeys = ["changes", "within"]
    static let flappingChanges = 2...1000
    static let flappingWithin = Duration.seconds(60)...Duration.seconds(7 * 86_400)

    /// `silences_file`, made absolute against the configuration's folder; `nil` for the default.
    package static func silencesFile(_ root: MappingReader, _ context: ConfigContext) -> String? {
        root.string("silences_file").map(context.resolve)
    }

    /// `flapping`: on with the defaults when absent, `nil` for `off`.
    package static func flapping(_ root: MappingReader) -> FlappingSettings? {
        guard let node = root.value("flapping") else { return FlappingSettings() }
        if case .scalar(let scalar) = node, scalar.string == "off" { return nil }
        var settings = FlappingSettings()
        guard let section = MappingReader(
            node, root.path.key("flapping"), known: flappingKeys, root.diagnostics,
            expected: "off or a mapping with changes and within")
        else { return settings }
        if let changes = section.integer("changes", in: flappingChanges) { settings.changes = changes }
        if let within = section.duration("within", in: flappingWithin) { settings.within = within }
        return settings
    }

    /// `maintenance`: each window with a unique name.
    package static func maintenance(_ root: MappingReader) -> [MaintenanceWindow] {
        var firstUse: [String: KeyPath] = [:]
        let windows = root.list("maintenance") { node, path -> MaintenanceWindow? in
            guard let entry = MappingReader(node, path, known: windowKeys, root.diagnostics) else { return nil }
            let name = entry.string("name", required: true)
            if let name {
                if let first = firstUse[name] {
                    entry.diagnostics.error(
                        "duplicate window name \"\(name)\"; first used at \(first)", at: entry.valueMark("name"), path.key("name"))
                } else {
                    firstUse[name] = path
                }
            }
            return window(entry, name: name)
        }
        return windows ?? []
    }

    private static func window(_ entry: MappingReader, name: String?) -> MaintenanceWindow? {
        let diagnostics = entry.diagnostics
        let match = entry.required("match").flatMap { ConfigMatch.read($0, entry.path.key("match"), diagnostics) }
        let days = entry.list("days") { node, path in
            MappingReader.scalar(node, path, expected: "a day name", diagnostics) { (text) throws(ValueProblem) in
                try MappingReader.choice(text, of: Weekday.allCases)
            }
        }
        if case .sequence(let written)? = entry.value("days"), written.isEmpty {
            diagnostics.error("lists no day: leave days out for every day", at: entry.valueMark("days"), entry.path.key("days"))
        }
        let from = entry.scalar("from", required: true, expected: "a time like \"02:00\"") { (text) throws(ValueProblem) in
            try clockTime(text, allowEndOfDay: false)
        }
        let to = entry.scalar("to", required: true, expected: "a time like \"04:00\"") { (text) throws(ValueProblem) in
            try clockTime(text, allowEndOfDay: true)
        }
        let timeZone = entry.scalar("timezone", expected: "an IANA time zone like Europe/Berlin") {
            (text) throws(ValueProblem) -> TimeZone in
            guard text.count <= 64, let zone = TimeZone(identifier: text) else {
                throw ValueProblem("expected an IANA time zone like Europe/Berlin or UTC; got \(ConfigText.quoted(text))")
            }
            return zone
        } ?? TimeZone(identifier: "UTC")
        if let from, let to, from == to {
            diagnostics.error(
                "from and to are the same time: the window would never open (use \"00:00\" to \"24:00\" for a whole day)",
                at: entry.valueMark("to"), entry.path.key("to"))
            return nil
        }
        guard let name, let match, let from, let to, let timeZone, days?.isEmpty != true else { return nil }
        return MaintenanceWindow(
            name: name, match: match, days: Set(days ?? Weekday.allCases), from: from, to: to, timeZone: timeZone)
    }

    /// `HH:MM` as seconds after midnight; `24:00` only where `allowEndOfDay`.
    static func clockTime(_ text: String, allowEndOfDay: Bool) throws(ValueProblem) -> Int {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let expected = "expected a time HH:MM from 00:00 to \(allowEndOfDay ? "24:00" : "23:59"); got \(ConfigText.quoted(text))"
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let hour = Int(parts[0]), let minute = Int(parts[1]), minute < 60
        else { throw ValueProblem(expected) }
        if hour == 24, minute == 0, allowEndOfDay { return 86_400 }
        guard hour < 24 else { throw ValueProblem(expected) }
        return hour * 3600 + minute * 60
    }
}
