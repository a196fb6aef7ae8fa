import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchState

/// `MetricSet` and `SpikeBaselines` behave as the `Set<Metric>` and `[Metric: SpikeBaseline]`
/// they replaced, and a record keeps its marks in its own box.
@Suite("Insight: compact marks")
struct InsightStorageTests {
    static let at = Date(timeIntervalSince1970: 1_796_000_000)

    /// Every subset of the metrics, as the set it replaced.
    static let subsets: [Set<Metric>] = (0..<16).map { bits in
        Set(Metric.allCases.enumerated().filter { bits & (1 << $0.offset) != 0 }.map(\.element))
    }

    static func compact(_ set: Set<Metric>) -> MetricSet { MetricSet(set) }

    @Test(arguments: Metric.allCases)
    func eachMetricIsInsertedFoundAndRemoved(metric: Metric) {
        var set = MetricSet()
        #expect(set.isEmpty && !set.contains(metric))
        #expect(set.insert(metric) == (true, metric))
        #expect(set.insert(metric) == (false, metric))
        #expect(set.contains(metric) && set.count == 1 && Array(set) == [metric])
        #expect(Metric.allCases.filter(set.contains) == [metric])
        #expect(set.update(with: metric) == metric)
        #expect(set.remove(metric) == metric && set.remove(metric) == nil)
        #expect(set.isEmpty && set == [] && set.update(with: metric) == nil && set == [metric])
    }

    @Test func setOperationsAreTheSetsOverEverySubset() {
        for one in Self.subsets {
            let compactOne = Self.compact(one)
            #expect(compactOne.count == one.count && compactOne.isEmpty == one.isEmpty)
            #expect(Array(compactOne) == Metric.allCases.filter(one.contains), "in Metric order")
            for other in Self.subsets {
                let compactOther = Self.compact(other)
                #expect(compactOne.union(compactOther) == Self.compact(one.union(other)))
                #expect(compactOne.intersection(compactOther) == Self.compact(one.intersection(other)))
                #expect(compactOne.symmetricDifference(compactOther) == Self.compact(one.symmetricDifference(other)))
                #expect(compactOne.isSubset(of: compactOther) == one.isSubset(of: other))
                #expect((compactOne == compactOther) == (one == other))
                if one == other { #expect(compactOne.hashValue == compactOther.hashValue) }
            }
        }
        #expect(Set(Self.subsets.map(Self.compact)).count == 16)
    }

    @Test func baselinesOfEveryMetricAreSetReadAndRemoved() {
        var baselines = SpikeBaselines()
        var dictionary: [Metric: SpikeBaseline] = [:]
        #expect(baselines.isEmpty && baselines == [:])
        // Inserted in reverse, so that each lands before the ones already there.
        for (index, metric) in Metric.allCases.reversed().enumerated() {
            let baseline = SpikeBaseline(perHour: Double(index) + 0.5, rates: index, spikedAt: index % 2 == 0 ? Self.at : nil)
            baselines[metric] = baseline
            dictionary[metric] = baseline
            #expect(baselines[metric] == baseline && baselines.count == index + 1)
        }
        #expect(baselines == SpikeBaselines(dictionary))
        #expect(baselines.keys == Metric.allCases, "iterated in Metric order")
        #expect(baselines.map(\.key) == Metric.allCases && baselines.allSatisfy { dictionary[$0.key] == $0.value })
        baselines[.sms]?.rates = 99
        #expect(baselines[.sms]?.rates == 99 && baselines[.data] == dictionary[.data])
        for metric in Metric.allCases {
            baselines[metric] = nil
            baselines[metric] = nil
            #expect(baselines[metric] == nil)
        }
        #expect(baselines.isEmpty && baselines == SpikeBaselines() && baselines.hashValue == SpikeBaselines().hashValue)
    }

    @Test func equalityAndHashDoNotDependOnTheOrderOfWrites() {
        let data = SpikeBaseline(perHour: 12.5, rates: 3), voice = SpikeBaseline(perHour: 1, rates: 1_000, spikedAt: Self.at)
        var one = SpikeBaselines(), other = SpikeBaselines()
        one[.data] = data
        one[.voice] = voice
        other[.voice] = voice
        other[.data] = data
        #expect(one == other && one.hashValue == other.hashValue && one == [.voice: voice, .data: data])
        other[.voice]?.spikedAt = nil
        #expect(one != other)
        #expect(SpikeBaselines([(.sms, data), (.sms, voice)]) == [.sms: voice], "a later baseline replaces an earlier one")
    }

    /// What the codec never lets in still compares as the dictionary compared it.
    @Test(arguments: [Double.nan, .infinity, -0.0, .greatestFiniteMagnitude])
    func hostileRatesCompareAsTheDictionaryDid(perHour: Double) {
        let baseline = SpikeBaseline(perHour: perHour, rates: 1_000, spikedAt: .distantFuture)
        let dictionary: [Metric: SpikeBaseline] = [.sessions: baseline]
        let compact: SpikeBaselines = [.sessions: baseline]
        #expect((compact == compact) == (dictionary == dictionary))
        #expect(compact[.sessions]?.rates == 1_000 && compact[.sessions]?.spikedAt == .distantFuture)
        #expect(compact[.sessions]?.perHour.bitPattern == perHour.bitPattern)
    }

    /// `rates` counts to 1,000; a count no rule or file makes is clamped, never a trap.
    @Test(arguments: [(Int.max, Int(Int32.max)), (Int.min, Int(Int32.min)), (-1, -1), (0, 0), (SpikeBaseline.maxRates, 1_000)])
    func ratesAreHeldWithoutTrapping(rates: Int, held: Int) {
        var baselines = SpikeBaselines()
        baselines[.voice] = SpikeBaseline(perHour: 1, rates: rates)
        #expect(baselines[.voice]?.rates == held)
    }

    @Test func aRecordKeepsItsMarksAndTheirAbsenceExactly() {
        let marks = InsightMarks(spikes: [.data: SpikeBaseline(perHour: 3, rates: 4)], projected: [.sms, .data],
                                 projectedCycleStart: Self.at)
        var record = DeviceRecord(observedAt: Self.at, observation: 2, notFound: true)
        record.insight = marks
        #expect(record.insight == marks && record.observedAt == Self.at && record.notFound)
        record.insight.projectedCycleStart = Date(timeIntervalSinceReferenceDate: 0)
        #expect(record.insight.projectedCycleStart == Date(timeIntervalSinceReferenceDate: 0), "a zero date is a date")
        record.insight = InsightMarks()
        record.observedAt = nil
        record.notFound = false
        #expect(record.insight.isEmpty && record.observedAt == nil && !record.notFound)
        let fresh = DeviceRecord(observation: 2)
        #expect(record == fresh && record.hashValue == fresh.hashValue, "cleared is as never set")
        record.observedAt = Date(timeIntervalSinceReferenceDate: 0)
        #expect(record != fresh)
    }

    @Test func aRecordWithMarksIsOneBoxAndAnArray() {
        // Two dates as flag bits, the marks' set as a byte: the fields still fit 256 bytes.
        #expect(MemoryLayout<DeviceRecord.Fields>.size <= 232)
        #expect(MemoryLayout<MetricSet>.size == 1)
        #expect(MemoryLayout<SpikeBaselines>.size == MemoryLayout<Int>.size)
        #expect(MemoryLayout<SpikeBaselines.Entry>.stride == 24)
    }

    @Test func theStateFileLineIsByteForByteWhatItWas() throws {
        let line = #"{"observation":5,"observed_at":"2026-12-01T15:58:39Z","not_found":false,"thresholds":{"fired":[]},"#
            + #""usage_rate":{"polled_at":"2026-12-01T15:58:39Z","per_day":{}},"insight":{"spikes":{"data":{"per_hour":0,"#
            + #""rates":4},"voice":{"per_hour":12.5,"rates":1000,"spiked_at":"2026-12-01T15:58:39Z"}},"projected":["data","sessions"],"#
            + #""projected_cycle_start":"2026-12-01T00:00:00Z"},"last":{"iccid":"8988216716970000000","status":"ACTIVATED"}}"#
        let at = Date(timeIntervalSince1970: 1_796_140_719), cycleStart = Date(timeIntervalSince1970: 1_796_083_200)
        var record = DeviceRecord(last: DeviceUsage(iccid: "8988216716970000000", status: "ACTIVATED"), observedAt: at,
                                  observation: 5, usageRate: UsageRate(polledAt: at, perDay: [:]))
        record.insight = InsightMarks(
            spikes: [.voice: SpikeBaseline(perHour: 12.5, rates: 1_000, spikedAt: at), .data: SpikeBaseline(rates: 4)],
            projected: [.sessions, .data], projectedCycleStart: cycleStart)
        var state = PersistentState(epoch: "e")
        state.devices["8988216716970000000"] = record
        // The line the code before compact marks wrote for this record (from the shared 100k file's shape).
        #expect(String(decoding: StateCodec.encode(state), as: UTF8.self).contains(line))
        let decoded = try StateCodec.decode(StateCodec.encode(state))
        #expect(decoded == state && decoded.devices["8988216716970000000"]?.insight.spikes.keys == [.data, .voice])
        #expect(try StateCodec.decode(StateCodec.encode(state)) == state)
    }
}
