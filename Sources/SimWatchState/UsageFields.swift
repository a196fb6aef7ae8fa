import SimWatchCore

/// How the state file stores `DeviceUsage`: one row per field, driving both the writer and the reader.
///
/// Adding a field to `DeviceUsage` means adding one row here (and its case to `Name`); the
/// order of the rows is the order the writer uses. `iccid` is not a row: it is required,
/// never `null`, and written first so that `grep ICCID state.json` finds the device's line.
///
/// A row names its field with a case of `Name`, whose switches reach the field directly:
/// a key path applied at run time copies the whole record (seven strings retained and
/// released) on every read, and closures in the rows are retained and released each time
/// a row is read out of the table. A row is plain data, copied for free.
/// `UsageFieldAccessTests` checks that each row's getter and setter name the same field.
struct UsageField: Sendable {
    /// The `DeviceUsage` field a row stands for.
    enum Name: Sendable, CaseIterable {
        case status, ratePlan, communicationPlan, imsi, msisdn, imei
        case ctdDataUsage, ctdSMSUsage, ctdVoiceUsage, ctdSessionCount
        case overageLimitReached, overageLimitOverride
    }

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
    let name: Name

    static let all: [UsageField] = [
        UsageField(key: "status", member: ",\"status\":", name: .status),
        UsageField(key: "ratePlan", member: ",\"ratePlan\":", name: .ratePlan),
        UsageField(key: "communicationPlan", member: ",\"communicationPlan\":", name: .communicationPlan),
        UsageField(key: "imsi", member: ",\"imsi\":", name: .imsi),
        UsageField(key: "msisdn", member: ",\"msisdn\":", name: .msisdn),
        UsageField(key: "imei", member: ",\"imei\":", name: .imei),
        UsageField(key: "ctdDataUsage", member: ",\"ctdDataUsage\":", name: .ctdDataUsage),
        UsageField(key: "ctdSMSUsage", member: ",\"ctdSMSUsage\":", name: .ctdSMSUsage),
        UsageField(key: "ctdVoiceUsage", member: ",\"ctdVoiceUsage\":", name: .ctdVoiceUsage),
        UsageField(key: "ctdSessionCount", member: ",\"ctdSessionCount\":", name: .ctdSessionCount),
        UsageField(key: "overageLimitReached", member: ",\"overageLimitReached\":", name: .overageLimitReached),
        UsageField(key: "overageLimitOverride", member: ",\"overageLimitOverride\":", name: .overageLimitOverride),
    ]

    /// The row's getter and setter as closures, for tests that check them against the key.
    var slot: Slot {
        let name = name
        switch name.kind {
        case .text: return .text({ name.text(of: $0) }, { name.setText(&$0, $1) })
        case .counter: return .counter({ name.counter(of: $0) }, { name.setCounter(&$0, $1) })
        case .flag: return .flag({ name.flag(of: $0) }, { name.setFlag(&$0, $1) })
        }
    }
}

extension UsageField.Name {
    /// Which JSON type the field holds.
    enum Kind { case text, counter, flag }

    var kind: Kind {
        switch self {
        case .status, .ratePlan, .communicationPlan, .imsi, .msisdn, .imei, .overageLimitOverride: .text
        case .ctdDataUsage, .ctdSMSUsage, .ctdVoiceUsage, .ctdSessionCount: .counter
        case .overageLimitReached: .flag
        }
    }

    /// The text field's value; `nil` for a field of another kind.
    func text(of usage: borrowing DeviceUsage) -> String? {
        switch self {
        case .status: usage.status
        case .ratePlan: usage.ratePlan
        case .communicationPlan: usage.communicationPlan
        case .imsi: usage.imsi
        case .msisdn: usage.msisdn
        case .imei: usage.imei
        case .overageLimitOverride: usage.overageLimitOverride
        default: nil
        }
    }

    func setText(_ usage: inout DeviceUsage, _ value: String?) {
        switch self {
        case .status: usage.status = value
        case .ratePlan: usage.ratePlan = value
        case .communicationPlan: usage.communicationPlan = value
        case .imsi: usage.imsi = value
        case .msisdn: usage.msisdn = value
        case .imei: usage.imei = value
        case .overageLimitOverride: usage.overageLimitOverride = value
        default: break
        }
    }

    /// The counter's value; `nil` for a field of another kind.
    func counter(of usage: borrowing DeviceUsage) -> Int64? {
        switch self {
        case .ctdDataUsage: usage.ctdDataUsage
        case .ctdSMSUsage: usage.ctdSMSUsage
        case .ctdVoiceUsage: usage.ctdVoiceUsage
        case .ctdSessionCount: usage.ctdSessionCount
        default: nil
        }
    }

    func setCounter(_ usage: inout DeviceUsage, _ value: Int64?) {
        switch self {
        case .ctdDataUsage: usage.ctdDataUsage = value
        case .ctdSMSUsage: usage.ctdSMSUsage = value
        case .ctdVoiceUsage: usage.ctdVoiceUsage = value
        case .ctdSessionCount: usage.ctdSessionCount = value
        default: break
        }
    }

    /// The flag's value; `nil` for a field of another kind.
    func flag(of usage: borrowing DeviceUsage) -> Bool? {
        self == .overageLimitReached ? usage.overageLimitReached : nil
    }

    func setFlag(_ usage: inout DeviceUsage, _ value: Bool?) {
        if self == .overageLimitReached { usage.overageLimitReached = value }
    }
}

extension UsageField {
    /// The rows' keys alone, in row order (kept for the tests that compare it with `all`).
    static let keys: [StaticString] = all.map(\.key)

    /// Writes `,"key":value`, or nothing when the value is unknown (the reader takes a missing key as `nil`).
    func write(_ usage: borrowing DeviceUsage, to writer: inout JSONByteWriter) {
        switch name.kind {
        case .text:
            guard let value = name.text(of: usage) else { return }
            writer.raw(member)
            writer.string(value)
        case .counter:
            guard let value = name.counter(of: usage) else { return }
            writer.raw(member)
            writer.int(value)
        case .flag:
            guard let value = name.flag(of: usage) else { return }
            writer.raw(member)
            writer.bool(value)
        }
    }

    /// Reads this field's value (or `null`) from the scanner into `usage`.
    func read(into usage: inout DeviceUsage, from scanner: inout JSONScanner) throws(StateFormatError) {
        let isNull = try scanner.skipNull()
        switch name.kind {
        case .text:
            name.setText(&usage, isNull ? nil : try scanner.readString())
        case .counter:
            guard !isNull else { return name.setCounter(&usage, nil) }
            // Control Center never reports a negative counter, so a stored one means the file was damaged.
            _ = scanner.peek()
            let start = scanner.index
            let value: Int64 = try scanner.readInt()
            guard value >= 0 else { throw scanner.error("counter \"\(key)\" is negative (\(value))", at: start) }
            name.setCounter(&usage, value)
        case .flag:
            name.setFlag(&usage, isNull ? nil : try scanner.readBool())
        }
    }
}
