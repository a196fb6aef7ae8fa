import Foundation
import SimWatchCore

/// A set of metrics in one byte: `InsightMarks.projected`, which 100,000 devices hold.
///
/// The `Set<Metric>` it replaces allocated a table for its first member; this is a value
/// with the same set operations, iterated in `Metric.allCases` order.
public struct MetricSet: SetAlgebra, Sequence, Sendable, Hashable {
    public typealias Element = Metric

    /// Bit `order(metric)` is set for each member; no other bit ever is.
    private var bits: UInt8

    public init() { bits = 0 }

    private init(bits: UInt8) { self.bits = bits }

    /// The metric's place in `Metric.allCases`, and so its bit.
    static func order(_ metric: Metric) -> Int {
        switch metric {
        case .data: 0
        case .sms: 1
        case .voice: 2
        case .sessions: 3
        }
    }

    private static func bit(_ metric: Metric) -> UInt8 { 1 << UInt8(order(metric)) }

    public var isEmpty: Bool { bits == 0 }
    public var count: Int { bits.nonzeroBitCount }
    public var underestimatedCount: Int { count }

    public func contains(_ member: Metric) -> Bool { bits & Self.bit(member) != 0 }

    public func union(_ other: MetricSet) -> MetricSet { MetricSet(bits: bits | other.bits) }
    public func intersection(_ other: MetricSet) -> MetricSet { MetricSet(bits: bits & other.bits) }
    public func symmetricDifference(_ other: MetricSet) -> MetricSet { MetricSet(bits: bits ^ other.bits) }
    public mutating func formUnion(_ other: MetricSet) { bits |= other.bits }
    public mutating func formIntersection(_ other: MetricSet) { bits &= other.bits }
    public mutating func formSymmetricDifference(_ other: MetricSet) { bits ^= other.bits }

    @discardableResult
    public mutating func insert(_ newMember: Metric) -> (inserted: Bool, memberAfterInsert: Metric) {
        let inserted = !contains(newMember)
        bits |= Self.bit(newMember)
        return (inserted, newMember)
    }

    @discardableResult
    public mutating func remove(_ member: Metric) -> Metric? {
        guard contains(member) else { return nil }
        bits &= ~Self.bit(member)
        return member
    }

    @discardableResult
    public mutating func update(with newMember: Metric) -> Metric? {
        insert(newMember).inserted ? nil : newMember
    }

    public func makeIterator() -> Iterator { Iterator(bits: bits) }

    /// The members in `Metric.allCases` order.
    public struct Iterator: IteratorProtocol {
        fileprivate var bits: UInt8
        private var index = 0

        fileprivate init(bits: UInt8) { self.bits = bits }

        public mutating func next() -> Metric? {
            let all = Metric.allCases
            while index < all.count {
                defer { index += 1 }
                if bits & (1 << UInt8(index)) != 0 { return all[index] }
            }
            return nil
        }
    }
}

extension MetricSet: CustomStringConvertible {
    public var description: String { "[" + map { "." + $0.rawValue }.joined(separator: ", ") + "]" }
}

/// The `usage_spike` baseline of each metric that has one: what `[Metric: SpikeBaseline]`
/// was, with the same subscript, in one small array.
///
/// A device usually has one baseline (data); a dictionary of one allocated a 144-byte
/// table, this a 64-byte array, and nothing while there is none.
public struct SpikeBaselines: Sequence, Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// One metric's baseline in 24 bytes, where a `SpikeBaseline` and its metric take 32.
    ///
    /// `rates` is held as an `Int32`, clamped: it counts up to `SpikeBaseline.maxRates` and
    /// the state file holds no more. An absent `spikedAt` is stored as 0, so that the
    /// synthesized equality and hashing are those of the baseline.
    struct Entry: Sendable, Hashable {
        var perHour: Double
        var spikedAtValue: Date
        var rates: Int32
        var metric: Metric
        var hasSpikedAt: Bool

        init(_ baseline: SpikeBaseline, metric: Metric) {
            perHour = baseline.perHour
            spikedAtValue = baseline.spikedAt ?? Date(timeIntervalSinceReferenceDate: 0)
            rates = Int32(clamping: baseline.rates)
            self.metric = metric
            hasSpikedAt = baseline.spikedAt != nil
        }

        var baseline: SpikeBaseline {
            SpikeBaseline(perHour: perHour, rates: Int(rates), spikedAt: hasSpikedAt ? spikedAtValue : nil)
        }
    }

    /// In `Metric.allCases` order, at most one per metric: equality is the dictionary's.
    private var entries: [Entry]

    public init() { entries = [] }

    /// A later baseline for the same metric replaces an earlier one.
    public init(_ baselines: some Sequence<(Metric, SpikeBaseline)>) {
        entries = []
        for (metric, baseline) in baselines { self[metric] = baseline }
    }

    public init(_ baselines: [Metric: SpikeBaseline]) {
        self.init(baselines.lazy.map { ($0.key, $0.value) })
    }

    public init(dictionaryLiteral elements: (Metric, SpikeBaseline)...) {
        self.init(elements)
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }
    public var underestimatedCount: Int { entries.count }

    /// The metrics that have a baseline, in `Metric.allCases` order.
    public var keys: [Metric] { entries.map(\.metric) }

    /// Where `metric`'s entry is, or would be inserted.
    private func slot(_ metric: Metric) -> (index: Int, found: Bool) {
        let order = MetricSet.order(metric)
        for (index, entry) in entries.enumerated() {
            let other = MetricSet.order(entry.metric)
            if other == order { return (index, true) }
            if other > order { return (index, false) }
        }
        return (entries.count, false)
    }

    public subscript(metric: Metric) -> SpikeBaseline? {
        get {
            let slot = slot(metric)
            return slot.found ? entries[slot.index].baseline : nil
        }
        set {
            let slot = slot(metric)
            switch (newValue, slot.found) {
            case (let baseline?, true): entries[slot.index] = Entry(baseline, metric: metric)
            case (let baseline?, false): entries.insert(Entry(baseline, metric: metric), at: slot.index)
            case (nil, true): entries.remove(at: slot.index)
            case (nil, false): break
            }
        }
    }

    public func makeIterator() -> some IteratorProtocol<(key: Metric, value: SpikeBaseline)> {
        entries.lazy.map { (key: $0.metric, value: $0.baseline) }.makeIterator()
    }
}

extension SpikeBaselines: CustomStringConvertible {
    public var description: String {
        entries.isEmpty ? "[:]" : "[" + entries.map { ".\($0.metric.rawValue): \($0.baseline)" }.joined(separator: ", ") + "]"
    }
}
