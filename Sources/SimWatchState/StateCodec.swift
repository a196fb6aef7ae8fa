import Foundation
import SimWatchCore

/// Turns `PersistentState` into the state file's bytes and back.
///
/// The layout is for people first: one key per line at the top, then one line per
/// device (sorted by ICCID), outbox entry and dead letter, so `grep ICCID state.json`
/// shows a device's whole record. Device lines are written and read by hand (their
/// usage fields from the one table in `UsageField`) because
/// Foundation's coders take seconds for 100,000 devices; the small sections
/// (health, outbox, dead letters) go through `JSONEncoder.simwatch()`.
package enum StateCodec {
    package static func encode(_ state: PersistentState) -> [UInt8] {
        var writer = JSONByteWriter(capacity: 64 * 1024 + state.devices.count * 520 + state.inventory.count * 110)
        let encoder = sectionEncoder()
        writer.raw("{\n  \"schema_version\": ")
        writer.int(state.schemaVersion)
        writer.raw(",\n  \"epoch\": ")
        writer.string(state.epoch)
        writer.raw(",\n  \"cycle\": ")
        writer.int(state.cycle)
        writer.raw(",\n  \"health\": ")
        writer.raw(encodeSmall(state.health, with: encoder))
        writer.raw(",\n  \"insight\": ")
        writer.raw(encodeSmall(state.activity, with: encoder))
        writer.raw(",\n  \"devices\": {")
        for (index, iccid) in state.devices.keys.sorted().enumerated() {
            writer.raw(index == 0 ? "\n    " : ",\n    ")
            writer.string(iccid)
            writer.raw(": ")
            writeDevice(state.devices[iccid]!, to: &writer)
        }
        writer.raw(state.devices.isEmpty ? "}" : "\n  }")
        writeFleet(state, to: &writer)
        writer.raw(",\n  \"outbox\": [")
        writeLines(state.outbox, to: &writer, with: encoder)
        writer.raw(",\n  \"dead_letters\": [")
        writeLines(state.deadLetters, to: &writer, with: encoder)
        writer.raw("\n}\n")
        return writer.bytes
    }

    private static func writeLines(_ items: [some Encodable], to writer: inout JSONByteWriter, with encoder: JSONEncoder) {
        for (index, item) in items.enumerated() {
            writer.raw(index == 0 ? "\n    " : ",\n    ")
            writer.raw(encodeSmall(item, with: encoder))
        }
        writer.raw(items.isEmpty ? "]" : "\n  ]")
    }

    /// `JSONEncoder.simwatch()`, but a NaN or infinite percentage is written as a string
    /// instead of failing: one odd event must not stop the whole state from saving.
    private static func sectionEncoder() -> JSONEncoder {
        let encoder = JSONEncoder.simwatch()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: nonFinite.positive, negativeInfinity: nonFinite.negative, nan: nonFinite.nan
        )
        return encoder
    }

    /// The decoder matching `sectionEncoder()`.
    static func sectionDecoder() -> JSONDecoder {
        let decoder = JSONDecoder.simwatch()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: nonFinite.positive, negativeInfinity: nonFinite.negative, nan: nonFinite.nan
        )
        return decoder
    }

    private static let nonFinite = (positive: "Infinity", negative: "-Infinity", nan: "NaN")

    private static func encodeSmall(_ value: some Encodable, with encoder: JSONEncoder) -> Data {
        // With non-finite floats handled, these plain value types always encode.
        do {
            return try encoder.encode(value)
        } catch {
            preconditionFailure("state section not encodable: \(error)")
        }
    }

    private static func writeDevice(_ record: DeviceRecord, to writer: inout JSONByteWriter) {
        writer.raw("{\"observation\":")
        writer.int(record.observation)
        if let observedAt = record.observedAt {
            writer.raw(",\"observed_at\":")
            writer.date(observedAt)
        }
        writer.raw(",\"not_found\":")
        writer.bool(record.notFound)
        writer.raw(",\"thresholds\":{\"fired\":[")
        for (index, key) in record.thresholds.fired.sorted().enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(key)
        }
        writer.raw("]}")
        if !record.insight.isEmpty {
            writer.raw(",\"insight\":")
            InsightCodec.write(record.insight, to: &writer)
        }
        if let last = record.last {
            writer.raw(",\"last\":")
            writeUsage(last, to: &writer)
        }
        writer.raw("}")
    }

    private static func writeUsage(_ usage: DeviceUsage, to writer: inout JSONByteWriter) {
        writer.raw("{\"iccid\":")
        writer.string(usage.iccid)
        for field in UsageField.all {
            field.write(usage, to: &writer)
        }
        writer.raw("}")
    }

    package static func decode(_ bytes: [UInt8]) throws(StateFormatError) -> PersistentState {
        try bytes.withUnsafeBufferPointer { buffer throws(StateFormatError) in
            var reader = StateFileReader(scanner: JSONScanner(bytes: buffer))
            return try reader.readState()
        }
    }
}
