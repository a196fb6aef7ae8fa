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
    /// The whole file in memory: for tests and tools; saves stream it (`encode(_:chunkBytes:to:)`).
    package static func encode(_ state: PersistentState, split: SaveSplit = SaveSplit()) -> [UInt8] {
        // No chunk reaches the sink before the end: the writer holds the whole file.
        writeFile(StateSnapshot(state), chunkBytes: .max, split: split) { _ in }.bytes
    }

    /// Bytes handed to the sink at a time when a save streams the file.
    package static let saveChunkBytes = 256 * 1024

    /// Writes the file to `sink` in chunks of about `chunkBytes`, so a save of 100,000
    /// devices holds a chunk instead of the whole 50 MB file.
    package static func encode<E: Error>(
        _ snapshot: StateSnapshot, chunkBytes: Int, split: SaveSplit = SaveSplit(), to sink: ([UInt8]) throws(E) -> Void
    ) throws(E) {
        var writer = try writeFile(snapshot, chunkBytes: chunkBytes, split: split, to: sink)
        try writer.drain(into: sink)
    }

    /// Writes the file, draining the writer into `sink` whenever it holds `chunkBytes`;
    /// returns the writer with the last part of the file still in it.
    private static func writeFile<E: Error>(
        _ snapshot: StateSnapshot, chunkBytes: Int, split: SaveSplit, to sink: ([UInt8]) throws(E) -> Void
    ) throws(E) -> JSONByteWriter {
        let state = snapshot.state
        let wholeFile = 64 * 1024 + snapshot.records.count * 520 + state.inventory.count * 110
        // A device line past the chunk size is the most a chunk overshoots by.
        var writer = JSONByteWriter(capacity: min(wholeFile, chunkBytes) + 4 * 1024)
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
        let order = snapshot.sortedPositions()
        try writeDevices(snapshot, in: order, split: split, to: &writer, chunkBytes: chunkBytes, sink: sink)
        writer.raw(order.isEmpty ? "}" : "\n  }")
        writeFleet(state, to: &writer)
        writer.raw(",\n  \"outbox\": [")
        writeLines(state.outbox, to: &writer, with: encoder)
        writer.raw(",\n  \"dead_letters\": [")
        writeLines(state.deadLetters, to: &writer, with: encoder)
        writer.raw("\n}\n")
        return writer
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

    static func writeDevice(_ record: borrowing DeviceRecord, to writer: inout JSONByteWriter) {
        writer.raw("{\"observation\":")
        writer.int(record.observation)
        if let observedAt = record.observedAt {
            writer.raw(",\"observed_at\":")
            writer.date(observedAt)
        }
        // Fixed text joined into one fragment where it can be: a save appends about twenty
        // per device, each a call that checks the buffer's room.
        let fired = record.thresholds.fired
        if fired.isEmpty {
            writer.raw(record.notFound
                ? ",\"not_found\":true,\"thresholds\":{\"fired\":[]}" : ",\"not_found\":false,\"thresholds\":{\"fired\":[]}")
        } else {
            writer.raw(record.notFound
                ? ",\"not_found\":true,\"thresholds\":{\"fired\":[" : ",\"not_found\":false,\"thresholds\":{\"fired\":[")
            if fired.count == 1, let only = fired.first {
                // Most records fire none or one: no sorted array made for them.
                writer.string(only)
            } else {
                for (index, key) in fired.sorted().enumerated() {
                    if index > 0 { writer.raw(",") }
                    writer.string(key)
                }
            }
            writer.raw("]}")
        }
        if let flapping = record.flapping, !flapping.isEmpty {
            // Rare (a flapping device), so the small-section encoder is made only here.
            writer.raw(",\"flapping\":")
            writer.raw(encodeSmall(flapping, with: sectionEncoder()))
        }
        if let usageRate = record.usageRate {
            writer.raw(",\"usage_rate\":")
            usageRate.write(to: &writer)
        }
        // Read once: the getter copies the marks out of the record's box.
        let insight = record.insight
        if !insight.isEmpty {
            writer.raw(",\"insight\":")
            InsightCodec.write(insight, to: &writer)
        }
        if let last = record.last { writeUsage(last, to: &writer) }
        writer.raw("}")
    }

    /// `,"last":{…}`, the key written with the object's first.
    private static func writeUsage(_ usage: borrowing DeviceUsage, to writer: inout JSONByteWriter) {
        writer.raw(",\"last\":{\"iccid\":")
        writer.string(usage.iccid)
        // By index: the rows are borrowed in place, not copied with their closures.
        UsageField.all.withUnsafeBufferPointer { fields in
            for index in fields.indices {
                fields[index].write(usage, to: &writer)
            }
        }
        writer.raw("}")
    }

    /// The whole file in memory: for tests and tools; loads stream it (`decode(chunkBytes:limit:sizeHint:from:)`).
    package static func decode(_ bytes: [UInt8], split: LoadSplit = LoadSplit()) throws(StateFormatError) -> PersistentState {
        try bytes.withUnsafeBufferPointer { buffer throws(StateFormatError) in
            var reader = StateFileReader(scanner: JSONScanner(bytes: buffer))
            reader.loadSplit = split
            return try reader.readState()
        }
    }

    /// Bytes asked of the file at a time when a load streams it.
    package static let loadChunkBytes = 1024 * 1024

    /// Why a streamed decode gave no state.
    package enum DecodeFailure: Error {
        /// Not valid state: the file is set aside.
        case format(StateFormatError)
        /// The file could not be read: it is left where it is.
        case io(StateLoadError)
        /// Longer than the limit.
        case tooLarge
    }

    /// Reads the file from `source` a chunk at a time, parsing as it goes: a load holds a
    /// chunk and the piece being parsed, not the whole file. Gives what `decode(_:)` gives
    /// for the same bytes, errors included.
    package static func decode(
        chunkBytes: Int = loadChunkBytes, limit: Int = .max, sizeHint: Int = 0, knownICCIDs: KnownICCIDs = .none,
        split: LoadSplit = LoadSplit(), from source: @escaping StateReadWindow.Source
    ) throws(DecodeFailure) -> PersistentState {
        let window = StateReadWindow(chunkBytes: chunkBytes, limit: limit, sizeHint: sizeHint, source: source)
        var reader = StateFileReader(window: window, knownICCIDs: knownICCIDs)
        reader.loadSplit = split
        do {
            return try reader.readState()
        } catch {
            switch window.failure {
            case .io(let failure): throw .io(failure)
            case .tooLarge: throw .tooLarge
            case nil: throw .format(error)
            }
        }
    }

    /// `decode(chunkBytes:from:)` over bytes in memory, `chunkBytes` at a time: for tests.
    package static func decode(
        _ bytes: [UInt8], chunkBytes: Int, knownICCIDs: KnownICCIDs = .none, split: LoadSplit = LoadSplit()
    ) throws(DecodeFailure) -> PersistentState {
        var offset = 0
        return try decode(chunkBytes: chunkBytes, sizeHint: bytes.count, knownICCIDs: knownICCIDs, split: split) { buffer in
            let length = min(buffer.count, bytes.count - offset)
            guard length > 0 else { return 0 }
            bytes.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: length)
            }
            offset += length
            return length
        }
    }
}
