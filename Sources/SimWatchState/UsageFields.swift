import SimWatchCore

/// How the state file stores `DeviceUsage`: one row per field, driving both the writer and the reader.
///
/// Adding a field to `DeviceUsage` means adding one row here; the order of the rows is
/// the order the writer uses. `iccid` is not a row: it is required, never `null`, and
/// written first so that `grep ICCID state.json` finds the device's line.
///
/// A row reaches its field through a getter and a setter rather than a key path: a key
/// path applied at run time copies the whole record (seven strings retained and released)
/// on every read, twelve times per device and save. `StateFieldTableTests` checks that each
/// row's getter and setter name the same field.
struct UsageField: Sendable {
    /// Where the value lives in `DeviceUsage`, and so which JSON type it is.
    enum Slot: Sendable {
        /// A string, `null` when unknown.
        case text(@Sendable (DeviceUsage) -> String?, @Sendable (inout DeviceUsage, String?) -> Void)
        /// A cycle-to-date counter: a whole number from 0 to `Int64.max`, `null` when unknown.
        case counter(@Sendable (DeviceUsage) -> Int64?, @Sendable (inout DeviceUsage, Int64?) -> Void)
        /// `true` or `false`, `null` when unknown.
        case flag(@Sendable (DeviceUsage) -> Bool?, @Sendable (inout DeviceUsage, Bool?) -> Void)
    }

    /// The JSON key, spelled as Control Center spells it.
    let key: StaticString
    /// `,"key":` whole, so the writer appends one fragment per field instead of three.
    let member: StaticString
    let slot: Slot

    static let all: [UsageField] = [
        UsageField(key: "status", member: ",\"status\":",
                   slot: .text({ $0.status }, { $0.status = $1 })),
        UsageField(key: "ratePlan", member: ",\"ratePlan\":",
                   slot: .text({ $0.ratePlan }, { $0.ratePlan = $1 })),
        UsageField(key: "communicationPlan", member: ",\"communicationPlan\":",
                   slot: .text({ $0.communicationPlan }, { $0.communicationPlan = $1 })),
        UsageField(key: "imsi", member: ",\"imsi\":",
                   slot: .text({ $0.imsi }, { $0.imsi = $1 })),
        UsageField(key: "msisdn", member: ",\"msisdn\":",
                   slot: .text({ $0.msisdn }, { $0.msisdn = $1 })),
        UsageField(key: "imei", member: ",\"imei\":",
                   slot: .text({ $0.imei }, { $0.imei = $1 })),
        UsageField(key: "ctdDataUsage", member: ",\"ctdDataUsage\":",
                   slot: .counter({ $0.ctdDataUsage }, { $0.ctdDataUsage = $1 })),
        UsageField(key: "ctdSMSUsage", member: ",\"ctdSMSUsage\":",
                   slot: .counter({ $0.ctdSMSUsage }, { $0.ctdSMSUsage = $1 })),
        UsageField(key: "ctdVoiceUsage", member: ",\"ctdVoiceUsage\":",
                   slot: .counter({ $0.ctdVoiceUsage }, { $0.ctdVoiceUsage = $1 })),
        UsageField(key: "ctdSessionCount", member: ",\"ctdSessionCount\":",
                   slot: .counter({ $0.ctdSessionCount }, { $0.ctdSessionCount = $1 })),
        UsageField(key: "overageLimitReached", member: ",\"overageLimitReached\":",
                   slot: .flag({ $0.overageLimitReached }, { $0.overageLimitReached = $1 })),
        UsageField(key: "overageLimitOverride", member: ",\"overageLimitOverride\":",
                   slot: .text({ $0.overageLimitOverride }, { $0.overageLimitOverride = $1 })),
    ]
}

extension UsageField {
    /// The rows' keys alone, in row order: matched per member on a load, where taking a row
    /// out of `all` copies its closures (retained and released) just to read its key.
    static let keys: [StaticString] = all.map(\.key)

    /// Writes `,"key":value`, or nothing when the value is unknown (the reader takes a missing key as `nil`).
    func write(_ usage: DeviceUsage, to writer: inout JSONByteWriter) {
        switch slot {
        case .text(let get, _):
            guard let value = get(usage) else { return }
            writeKey(to: &writer)
            writer.string(value)
        case .counter(let get, _):
            guard let value = get(usage) else { return }
            writeKey(to: &writer)
            writer.int(value)
        case .flag(let get, _):
            guard let value = get(usage) else { return }
            writeKey(to: &writer)
            writer.bool(value)
        }
    }

    private func writeKey(to writer: inout JSONByteWriter) {
        writer.raw(member)
    }

    /// Reads this field's value (or `null`) from the scanner into `usage`.
    func read(into usage: inout DeviceUsage, from scanner: inout JSONScanner) throws(StateFormatError) {
        if try scanner.skipNull() {
            switch slot {
            case .text(_, let set): set(&usage, nil)
            case .counter(_, let set): set(&usage, nil)
            case .flag(_, let set): set(&usage, nil)
            }
            return
        }
        switch slot {
        case .text(_, let set):
            set(&usage, try scanner.readString())
        case .counter(_, let set):
            // Control Center never reports a negative counter, so a stored one means the file was damaged.
            _ = scanner.peek()
            let start = scanner.index
            let value: Int64 = try scanner.readInt()
            guard value >= 0 else { throw scanner.error("counter \"\(key)\" is negative (\(value))", at: start) }
            set(&usage, value)
        case .flag(_, let set):
            set(&usage, try scanner.readBool())
        }
    }
}
