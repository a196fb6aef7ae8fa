import Foundation
import SimWatchCore

/// A device's `insight` object in the state file, written and read by hand like the rest
/// of its line (100,000 devices): `{"spikes":{"data":{"per_hour":1250.5,"rates":4,
/// "spiked_at":"…"}},"projected":["data"],"projected_cycle_start":"…"}`.
package enum InsightCodec {
    /// `Metric.allCases` made once: the synthesized property builds a new array per call,
    /// and a save writes each device's marks in this order.
    static let metrics = Metric.allCases

    package static func write(_ marks: InsightMarks, to writer: inout JSONByteWriter) {
        writer.raw("{\"spikes\":{")
        var first = true
        for metric in metrics {
            guard let baseline = marks.spikes[metric] else { continue }
            if !first { writer.raw(",") }
            first = false
            writer.string(metric.rawValue)
            writer.raw(":{\"per_hour\":")
            writer.double(baseline.perHour)
            writer.raw(",\"rates\":")
            writer.int(baseline.rates)
            if let spikedAt = baseline.spikedAt {
                writer.raw(",\"spiked_at\":")
                writer.date(spikedAt)
            }
            writer.raw("}")
        }
        writer.raw("},\"projected\":[")
        first = true
        for metric in metrics where marks.projected.contains(metric) {
            if !first { writer.raw(",") }
            first = false
            writer.string(metric.rawValue)
        }
        if let start = marks.projectedCycleStart {
            writer.raw("],\"projected_cycle_start\":")
            writer.date(start)
            writer.raw("}")
        } else {
            // One fragment for the usual end, as the device line joins its fixed text.
            writer.raw("]}")
        }
    }

    /// Reads what `write` wrote; a number out of range is a corrupt file (set aside).
    package static func read(from scanner: inout JSONScanner) throws(StateFormatError) -> InsightMarks {
        var marks = InsightMarks()
        var object = try scanner.beginObject()
        // Each key tried first where `write` puts it (a file this build wrote).
        var expected: StaticString = "spikes"
        while let key = try scanner.nextKey(&object, expecting: expected) {
            if key.matches("spikes") {
                expected = "projected"
                var spikes = try scanner.beginObject()
                while let name = try scanner.nextKey(&spikes, expecting: "data") {
                    guard let metric = name.metric else {
                        try scanner.skipValue()
                        continue
                    }
                    marks.spikes[metric] = try readBaseline(from: &scanner)
                }
            } else if key.matches("projected") {
                expected = "projected_cycle_start"
                var array = try scanner.beginArray()
                while try scanner.nextElement(&array) {
                    if let metric = try scanner.readStringToken().metric { marks.projected.insert(metric) }
                }
            } else if key.matches("projected_cycle_start") {
                marks.projectedCycleStart = try readDate(from: &scanner, "insight.projected_cycle_start")
            } else {
                try scanner.skipValue()
            }
        }
        return marks
    }

    private static func readBaseline(from scanner: inout JSONScanner) throws(StateFormatError) -> SpikeBaseline {
        var baseline = SpikeBaseline()
        var object = try scanner.beginObject()
        var expected: StaticString = "per_hour"
        while let key = try scanner.nextKey(&object, expecting: expected) {
            if key.matches("per_hour") {
                expected = "rates"
                _ = scanner.peek()
                let start = scanner.index
                let value = try scanner.readDouble()
                guard value.isFinite, value >= 0, value <= 1e30 else {
                    throw scanner.error("\"insight.spikes.per_hour\" must be a number from 0 to 1e30", at: start)
                }
                baseline.perHour = value
            } else if key.matches("rates") {
                expected = "spiked_at"
                _ = scanner.peek()
                let start = scanner.index
                let rates: Int64 = try scanner.readInt()
                guard (0...Int64(SpikeBaseline.maxRates)).contains(rates) else {
                    throw scanner.error("\"insight.spikes.rates\" must be from 0 to \(SpikeBaseline.maxRates)", at: start)
                }
                baseline.rates = Int(rates)
            } else if key.matches("spiked_at") {
                baseline.spikedAt = try readDate(from: &scanner, "insight.spikes.spiked_at")
            } else {
                try scanner.skipValue()
            }
        }
        return baseline
    }

    private static func readDate(from scanner: inout JSONScanner, _ key: String) throws(StateFormatError) -> Date? {
        _ = scanner.peek()
        let start = scanner.index
        if try scanner.skipNull() { return nil }
        let date = try scanner.readDate()
        guard StateBounds.isInRange(date) else { throw scanner.error(StateBounds.dateOutOfRange(key), at: start) }
        return date
    }
}

extension JSONScanner.Key {
    /// The metric this key names (its raw value), matched on the bytes: no String made per
    /// device for `spikes`, `projected` and `per_day`. `nil` for a name this build does not know.
    var metric: Metric? {
        if matches("data") { return .data }
        if matches("sms") { return .sms }
        if matches("voice") { return .voice }
        if matches("sessions") { return .sessions }
        return nil
    }
}
