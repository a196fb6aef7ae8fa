import Foundation
import SimWatchConfig
import SimWatchCore

/// One silence of `simwatch silence add`: matching events are logged, counted and not sent
/// between `startsAt` and `endsAt`.
public struct Silence: Sendable, Equatable {
    /// 8 hex digits, unique in the silences file.
    public var id: String
    public var match: EventMatch
    public var startsAt: Date
    public var endsAt: Date
    /// Why, as the operator wrote it; shown only with control characters stripped.
    public var reason: String
    public var createdAt: Date

    public init(id: String, match: EventMatch, startsAt: Date, endsAt: Date, reason: String, createdAt: Date) {
        self.id = id
        self.match = match
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.reason = reason
        self.createdAt = createdAt
    }

    /// Whether it silences events at `instant`.
    public func isActive(at instant: Date) -> Bool {
        startsAt <= instant && instant < endsAt
    }

    /// A fresh id: 8 lowercase hex digits from the system's secure generator, not in `taken`.
    public static func newID(avoiding taken: Set<String>) -> String {
        var generator = SystemRandomNumberGenerator()
        while true {
            let hex = String(UInt32.random(in: 0 ... .max, using: &generator), radix: 16)
            let id = String(repeating: "0", count: 8 - hex.count) + hex
            if !taken.contains(id) { return id }
        }
    }

    /// Whether `text` has the form of an id: 8 hex digits.
    public static func isID(_ text: String) -> Bool {
        text.utf8.count == 8 && text.allSatisfy { $0.isASCII && $0.isHexDigit }
    }
}

/// What silences an event: a silence (by id) or a maintenance window (by name).
public enum Silencer: Sendable, Equatable, CustomStringConvertible {
    case silence(String)
    case window(String)

    /// The `silenced=` value of the log line: the silence's id or the window's name.
    public var description: String {
        switch self {
        case .silence(let id): id
        case .window(let name): name
        }
    }
}

/// The silences and windows in force, and the one rule that applies them.
public struct NoiseFilter: Sendable {
    public var silences: [Silence]
    public var windows: [MaintenanceWindow]

    public init(silences: [Silence] = [], windows: [MaintenanceWindow] = []) {
        self.silences = silences
        self.windows = windows
    }

    /// The first active silence (in file order), else the first open window, that silences
    /// `subject` at `instant`; `nil` lets the event through. Test events are never silenced.
    public func silencer(for subject: MatchSubject, at instant: Date) -> Silencer? {
        guard subject.kind != .test else { return nil }
        if let silence = silences.first(where: { $0.isActive(at: instant) && $0.match.silences(subject) }) {
            return .silence(silence.id)
        }
        if let window = windows.first(where: { $0.match.silences(subject) && $0.isActive(at: instant) }) {
            return .window(window.name)
        }
        return nil
    }

    /// Silences in force at `instant`, for `status` and the metrics gauge.
    public func activeSilences(at instant: Date) -> [Silence] {
        silences.filter { $0.isActive(at: instant) }
    }
}
