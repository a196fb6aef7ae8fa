import Foundation
import SimWatchCore

/// A device's recent changes of the fields flapping watches, kept in the state file so a
/// restart (or `once`) does not forget that a SIM is flapping.
public struct FlapHistory: Codable, Sendable, Equatable, Hashable {
    public var status: FlapTrack?
    public var overage: FlapTrack?

    public init(status: FlapTrack? = nil, overage: FlapTrack? = nil) {
        self.status = status
        self.overage = overage
    }

    /// Whether nothing is tracked, so the record leaves the key out.
    public var isEmpty: Bool { status == nil && overage == nil }
}

/// One field's recent changes, and whether `flapping` was raised for it.
public struct FlapTrack: Codable, Sendable, Equatable, Hashable {
    /// The latest changes, oldest first, at most `flapping.changes` of them.
    public var changes: [FlapChange]
    /// When `flapping` was raised; `nil` while the field is not flapping.
    public var flappingSince: Date?
    /// The value before the first change counted when flapping began, for `flapping_ended`.
    public var before: EventValue?

    public init(changes: [FlapChange] = [], flappingSince: Date? = nil, before: EventValue? = nil) {
        self.changes = changes
        self.flappingSince = flappingSince
        self.before = before
    }

    package enum CodingKeys: String, CodingKey {
        case changes, before
        case flappingSince = "flapping_since"
    }
}

/// One change: when it was observed and the value before it.
public struct FlapChange: Codable, Sendable, Equatable, Hashable {
    public var at: Date
    public var previous: EventValue

    public init(at: Date, previous: EventValue) {
        self.at = at
        self.previous = previous
    }
}
