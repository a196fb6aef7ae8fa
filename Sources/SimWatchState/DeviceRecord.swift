import Foundation
import SimWatchCore

/// What simwatch remembers about one device.
///
/// A fleet holds 100,000 of these in a dictionary whose slots are twice as many, and the
/// engine copies them into snapshots and ledgers: the fields live in one shared box, so a
/// slot is one pointer and a copy a retain. Writing to a copy gives it its own box first
/// (copy on write), so it stays a value like any struct.
public struct DeviceRecord: Codable, Sendable, Equatable, Hashable {
    /// The fields, insight marks included: one allocation per device, not three.
    ///
    /// Ordered so that nothing is padded: 232 bytes, with the box's header one 256-byte
    /// allocation. The two optional dates are a date and a flag bit, since a `Date?` is
    /// padded to 16 bytes; an absent date is stored as 0, so that the synthesized equality
    /// and hashing stay those of the optional fields. Flapping, which most SIMs never
    /// have, is a pointer.
    struct Fields: Sendable, Equatable, Hashable {
        var last: DeviceUsage?
        /// Bit 0: `notFound`; bit 1: `observedAt` is there; bit 2: `projectedCycleStart` is.
        var flags: UInt8 = 0
        var projected = MetricSet()
        var observedAtValue = Date(timeIntervalSinceReferenceDate: 0)
        var observation: Int
        var thresholds: ThresholdState
        var usageRate: UsageRate?
        var flapping: Indirect<FlapHistory>?
        var spikes = SpikeBaselines()
        var projectedCycleStartValue = Date(timeIntervalSinceReferenceDate: 0)

        static let notFoundBit: UInt8 = 1, observedAtBit: UInt8 = 2, projectedCycleStartBit: UInt8 = 4

        var observedAt: Date? {
            get { flags & Self.observedAtBit != 0 ? observedAtValue : nil }
            set { (observedAtValue, flags) = Self.store(newValue, bit: Self.observedAtBit, flags) }
        }

        var notFound: Bool {
            get { flags & Self.notFoundBit != 0 }
            set { flags = newValue ? flags | Self.notFoundBit : flags & ~Self.notFoundBit }
        }

        var insight: InsightMarks {
            get {
                InsightMarks(spikes: spikes, projected: projected,
                             projectedCycleStart: flags & Self.projectedCycleStartBit != 0 ? projectedCycleStartValue : nil)
            }
            set {
                spikes = newValue.spikes
                projected = newValue.projected
                (projectedCycleStartValue, flags) = Self.store(
                    newValue.projectedCycleStart, bit: Self.projectedCycleStartBit, flags)
            }
        }

        private static func store(_ date: Date?, bit: UInt8, _ flags: UInt8) -> (Date, UInt8) {
            date.map { ($0, flags | bit) } ?? (Date(timeIntervalSinceReferenceDate: 0), flags & ~bit)
        }
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

    /// `body` applied to `last` where it lies in the record's box, without copying it out.
    ///
    /// `status` reads a few fields of 100,000 records' usage: the getter's copy retains
    /// and releases each of its seven strings for nothing.
    public func withLast<Result>(_ body: (DeviceUsage?) throws -> Result) rethrows -> Result {
        try body(box.fields.last)
    }

    /// When `last` was observed.
    public var observedAt: Date? {
        get { box.fields.observedAt }
        set { unique.observedAt = newValue }
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
        set { unique.notFound = newValue }
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
        get { box.fields.insight }
        set { unique.insight = newValue }
    }

    public init(
        last: DeviceUsage? = nil, observedAt: Date? = nil, observation: Int = 0,
        thresholds: ThresholdState = ThresholdState(), notFound: Bool = false, usageRate: UsageRate? = nil
    ) {
        var fields = Fields(last: last, observation: observation, thresholds: thresholds, usageRate: usageRate)
        fields.observedAt = observedAt
        fields.notFound = notFound
        box = Box(fields)
    }

    /// A record over fields the state file's reader gathered: boxed once, with none of
    /// the setters' uniqueness checks and copies (100,000 records per load).
    init(fields: Fields) {
        box = Box(fields)
    }

    package enum CodingKeys: String, CodingKey {
        case last, observation, thresholds, flapping
        case observedAt = "observed_at"
        case notFound = "not_found"
        case usageRate = "usage_rate"
    }

    // By hand only because the fields are not stored as they are named: the calls the
    // synthesized conformance made, in its order, so the same JSON and the same errors.
    // `insight` is the state codec's alone (it was never part of Codable).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let last = try container.decodeIfPresent(DeviceUsage.self, forKey: .last)
        let observedAt = try container.decodeIfPresent(Date.self, forKey: .observedAt)
        let notFound = try container.decode(Bool.self, forKey: .notFound)
        let observation = try container.decode(Int.self, forKey: .observation)
        let thresholds = try container.decode(ThresholdState.self, forKey: .thresholds)
        let usageRate = try container.decodeIfPresent(UsageRate.self, forKey: .usageRate)
        let flapping = try container.decodeIfPresent(FlapHistory.self, forKey: .flapping)
        self.init(last: last, observedAt: observedAt, observation: observation, thresholds: thresholds,
                  notFound: notFound, usageRate: usageRate)
        box.fields.flapping = flapping.map(Indirect.init)
    }

    public func encode(to encoder: any Encoder) throws {
        let fields = box.fields
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(fields.last, forKey: .last)
        try container.encodeIfPresent(fields.observedAt, forKey: .observedAt)
        try container.encode(fields.notFound, forKey: .notFound)
        try container.encode(fields.observation, forKey: .observation)
        try container.encode(fields.thresholds, forKey: .thresholds)
        try container.encodeIfPresent(fields.usageRate, forKey: .usageRate)
        try container.encodeIfPresent(fields.flapping?.value, forKey: .flapping)
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
