import Foundation
import SimWatchCore

/// What simwatch remembers about one device.
///
/// A fleet holds 100,000 of these in a dictionary whose slots are twice as many, and the
/// engine copies them into snapshots and ledgers: the fields live in one shared box, so a
/// slot is one pointer and a copy a retain. Writing to a copy gives it its own box first
/// (copy on write), so it stays a value like any struct.
public struct DeviceRecord: Codable, Sendable, Equatable, Hashable {
    /// The fields; Codable, Equatable and Hashable are theirs, so the JSON and equality stay
    /// what they were when `DeviceRecord` stored them itself.
    ///
    /// Ordered so that nothing is padded: 232 bytes, with the box's header one 256-byte
    /// allocation. Flapping and insight marks, which most SIMs never have, are a pointer each.
    struct Fields: Codable, Sendable, Equatable, Hashable {
        typealias CodingKeys = DeviceRecord.CodingKeys
        var last: DeviceUsage?
        var observedAt: Date?
        var notFound: Bool
        var observation: Int
        var thresholds: ThresholdState
        var usageRate: UsageRate?
        var flapping: Indirect<FlapHistory>?
        /// `nil` when empty, so that equality is the marks' own.
        var insight: Indirect<InsightMarks>? = nil
    }

    /// Shared between copies until one of them writes.
    ///
    /// `@unchecked Sendable`: `fields` only changes through `unique`, so a box is mutated
    /// only while no other copy, and so no other thread, can see it.
    final class Box: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box

    /// The fields for writing: the box is this record's own first.
    private var unique: Fields {
        get { box.fields }
        _modify {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
            yield &box.fields
        }
    }

    /// The last record Control Center returned; `nil` before the first successful poll.
    public var last: DeviceUsage? {
        get { box.fields.last }
        _modify { yield &unique.last }
    }

    /// When `last` was observed.
    public var observedAt: Date? {
        get { box.fields.observedAt }
        _modify { yield &unique.observedAt }
    }

    /// Successful polls so far; part of every event id so a repeated poll repeats the id.
    public var observation: Int {
        get { box.fields.observation }
        _modify { yield &unique.observation }
    }

    /// Thresholds already fired in the current billing cycle.
    public var thresholds: ThresholdState {
        get { box.fields.thresholds }
        _modify { yield &unique.thresholds }
    }

    /// `device_not_found` was raised and the device has not been found since.
    public var notFound: Bool {
        get { box.fields.notFound }
        _modify { yield &unique.notFound }
    }

    /// Recent status and overage-flag changes, for flapping; `nil` when none are tracked.
    public var flapping: FlapHistory? {
        get { box.fields.flapping?.value }
        set { unique.flapping = newValue.map(Indirect.init) }
    }

    /// Budgeted polling's memory of the SIM's usage polls; `nil` in files written before it.
    public var usageRate: UsageRate? {
        get { box.fields.usageRate }
        _modify { yield &unique.usageRate }
    }

    /// Spike baselines and projection marks (key `insight`; left out when empty).
    public var insight: InsightMarks {
        get { box.fields.insight?.value ?? InsightMarks() }
        set { unique.insight = newValue.isEmpty ? nil : Indirect(newValue) }
    }

    public init(
        last: DeviceUsage? = nil, observedAt: Date? = nil, observation: Int = 0,
        thresholds: ThresholdState = ThresholdState(), notFound: Bool = false, usageRate: UsageRate? = nil
    ) {
        box = Box(Fields(
            last: last, observedAt: observedAt, notFound: notFound, observation: observation, thresholds: thresholds,
            usageRate: usageRate, flapping: nil))
    }

    package enum CodingKeys: String, CodingKey {
        case last, observation, thresholds, flapping
        case observedAt = "observed_at"
        case notFound = "not_found"
        case usageRate = "usage_rate"
    }

    public init(from decoder: any Decoder) throws {
        box = Box(try Fields(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try box.fields.encode(to: encoder)
    }

    public static func == (lhs: DeviceRecord, rhs: DeviceRecord) -> Bool {
        lhs.box === rhs.box || lhs.box.fields == rhs.box.fields
    }

    public func hash(into hasher: inout Hasher) {
        box.fields.hash(into: &hasher)
    }

    /// Whether the two share one box: a copy not written to since (for tests).
    func sharesStorage(with other: DeviceRecord) -> Bool { box === other.box }
}

/// A value kept out of line: a pointer where it is, its own storage when it is there.
///
/// Codable as the value itself, so a field of this type reads and writes the same JSON.
enum Indirect<Value: Sendable & Hashable>: Sendable, Hashable {
    indirect case value(Value)

    init(_ value: Value) { self = .value(value) }

    var value: Value {
        switch self {
        case .value(let value): value
        }
    }
}

extension Indirect: Codable where Value: Codable {
    init(from decoder: any Decoder) throws {
        self = .value(try Value(from: decoder))
    }

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
    }
}
