import Foundation
import SimWatchCore

extension StatusReport {
    /// The rows as JSON, for scripts.
    public func json() throws -> String {
        var text: [UInt8] = []
        try writeJSON { text.append(contentsOf: $0) }
        return String(decoding: text, as: UTF8.self)
    }

    /// `json()` handed to `sink` in large pieces, in order.
    ///
    /// The text is what `JSONEncoder.simwatch(pretty: true)` makes of `rows` (sorted keys,
    /// its indents, `[\n\n]` for an empty list), written on bytes: at 100,000 SIMs the
    /// encoder took 2 s and held 45 MB of text twice.
    public func writeJSON(to sink: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var out = JSONByteWriter(capacity: 1 << 20 + 4096)
        func flush() throws {
            try out.drain { (bytes: [UInt8]) throws in try bytes.withUnsafeBufferPointer { try sink($0) } }
        }
        out.raw("[\n")
        for (index, row) in rows.enumerated() {
            if index > 0 { out.raw(",\n") }
            try Self.write(row, to: &out)
            if out.count >= 1 << 20 { try flush() }
        }
        out.raw("\n]")
        try flush()
    }

    /// One row at the encoder's indent of 2, keys in sorted order, absent ones left out.
    private static func write(_ row: Row, to out: inout JSONByteWriter) throws {
        var first = true
        func key(_ name: StaticString) {
            out.raw(first ? "  {\n    \"" : ",\n    \"")
            first = false
            out.raw(name)
            out.raw("\" : ")
        }
        func number(_ value: Double?, _ name: StaticString) throws {
            guard let value else { return }
            // The encoder refuses what JSON cannot hold, and writes negative zero as `-0`.
            guard value.isFinite else {
                throw EncodingError.invalidValue(value, EncodingError.Context(
                    codingPath: [], debugDescription: "\(name): \(value) cannot be written in JSON"))
            }
            key(name)
            if value == 0, value.sign == .minus { out.raw("-0") } else { out.double(value) }
        }
        func int(_ value: Int64?, _ name: StaticString) {
            guard let value else { return }
            key(name)
            out.int(value)
        }
        func string(_ value: String?, _ name: StaticString) {
            guard let value else { return }
            key(name)
            out.string(value)
        }
        func date(_ value: Date?, _ name: StaticString, orNull: Bool = false) {
            guard let value else {
                if orNull { key(name); out.raw("null") }
                return
            }
            key(name)
            out.date(value)
        }
        date(row.cycleEndsAt, "cycle_ends_at")
        try number(row.cycleProgressPercent, "cycle_progress_percent")
        int(row.dataBytes, "data_bytes")
        try number(row.dataPercent, "data_percent")
        string(row.iccid, "iccid")
        string(row.name, "name")
        date(row.nextPollDue, "next_poll_due", orNull: true)
        key("not_found")
        out.bool(row.notFound)
        date(row.observedAt, "observed_at")
        if let reached = row.overageLimitReached {
            key("overage_limit_reached")
            out.bool(reached)
        }
        string(row.ratePlan, "rate_plan")
        int(row.sms, "sms")
        try number(row.smsPercent, "sms_percent")
        string(row.status, "status")
        key("thresholds_fired")
        if row.thresholdsFired.isEmpty {
            out.raw("[\n\n    ]")
        } else {
            for (index, fired) in row.thresholdsFired.enumerated() {
                out.raw(index == 0 ? "[\n      " : ",\n      ")
                out.string(fired)
            }
            out.raw("\n    ]")
        }
        try number(row.voicePercent, "voice_percent")
        int(row.voiceSeconds, "voice_seconds")
        out.raw("\n  }")
    }
}
