import SimWatchCore

/// How the state file stores `DeviceUsage`: one row per field, driving both the writer and the reader.
///
/// Adding a field to `DeviceUsage` means adding one row here; the order of the rows is
/// the order the writer uses. `iccid` is not a row: it is required, never `null`, and
/// written first so that `grep ICCID state.json` finds the device's line.
struct UsageField: Sendable {
    /// Where the value lives in `DeviceUsage`, and so which JSON type it is.
    enum Slot: Sendable {
        /// A string, `null` when unknown.
        case text(WritableKeyPath<DeviceUsage, String?> & Sendable)
        /// A cycle-to-date counter: a whole number from 0 to `Int64.max`, `null` when unknown.
        case counter(WritableKeyPath<DeviceUsage, Int64?> & Sendable)
        /// `true` or `false`, `null` when unknown.
        case flag(WritableKeyPath<DeviceUsage, Bool?> & Sendable)
    }

    /// The JSON key, spelled as Control Center spells it.
    let key: StaticString
    let slot: Slot

    static let all: [UsageField] = [
        UsageField(key: "status", slot: .text(\.status)),
        UsageField(key: "ratePlan", slot: .text(\.ratePlan)),
        UsageField(key: "communicationPlan", slot: .text(\.communicationPlan)),
        UsageField(key: "imsi", slot: .text(\.imsi)),
        UsageField(key: "msisdn", slot: .text(\.msisdn)),
        UsageField(key: "imei", slot: .text(\.imei)),
        UsageField(key: "ctdDataUsage", slot: .counter(\.ctdDataUsage)),
        UsageField(key: "ctdSMSUsage", slot: .counter(\.ctdSMSUsage)),
        UsageField(key: "ctdVoiceUsage", slot: .counter(\.ctdVoiceUsage)),
        UsageField(key: "ctdSessionCount", slot: .counter(\.ctdSessionCount)),
        UsageField(key: "overageLimitReached", slot: .flag(\.overageLimitReached)),
        UsageField(key: "overageLimitOverride", slot: .text(\.overageLimitOverride)),
    ]
}

extension UsageField {
    /// Writes `,"key":value`, or nothing when the value is unknown (the reader takes a missing key as `nil`).
    func write(_ usage: DeviceUsage, to writer: inout JSONByteWriter) {
        switch slot {
        case .text(let path):
            guard let value = usage[keyPath: path] else { return }
            writeKey(to: &writer)
            writer.string(value)
        case .counter(let path):
            guard let value = usage[keyPath: path] else { return }
            writeKey(to: &writer)
            writer.int(value)
        case .flag(let path):
            guard let value = usage[keyPath: path] else { return }
            writeKey(to: &writer)
            writer.bool(value)
        }
    }

    private func writeKey(to writer: inout JSONByteWriter) {
        writer.raw(",\"")
        writer.raw(key)
        writer.raw("\":")
    }

    /// Reads this field's value (or `null`) from the scanner into `usage`.
    func read(into usage: inout DeviceUsage, from scanner: inout JSONScanner) throws(StateFormatError) {
        if try scanner.skipNull() {
            switch slot {
            case .text(let path): usage[keyPath: path] = nil
            case .counter(let path): usage[keyPath: path] = nil
            case .flag(let path): usage[keyPath: path] = nil
            }
            return
        }
        switch slot {
        case .text(let path):
            usage[keyPath: path] = try scanner.readString()
        case .counter(let path):
            // Control Center never reports a negative counter, so a stored one means the file was damaged.
            _ = scanner.peek()
            let start = scanner.index
            let value: Int64 = try scanner.readInt()
            guard value >= 0 else { throw scanner.error("counter \"\(key)\" is negative (\(value))", at: start) }
            usage[keyPath: path] = value
        case .flag(let path):
            usage[keyPath: path] = try scanner.readBool()
        }
    }
}
