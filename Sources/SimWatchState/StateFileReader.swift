import Foundation
import SimWatchCore

/// Reads the state file's layout (see `StateCodec`) from a `JSONScanner`.
///
/// Accepts any valid JSON with the right shape, in any key order and whitespace, so a
/// hand-edited file loads too. Unknown keys are skipped. `schema_version` must not be
/// newer than this build knows: such a file is reported as unusable (and set aside).
///
/// Over a `StateReadWindow` the file streams: each top-level member is framed before it
/// is parsed, and the devices and the inventory are read one member at a time.
struct StateFileReader {
    package var scanner: JSONScanner
    /// The streamed file; `nil` when `scanner` holds the whole file.
    let window: StateReadWindow?
    let sectionDecoder = StateCodec.sectionDecoder()
    /// Statuses and plan names longer than a small string (15 bytes), one copy each:
    /// a fleet has a handful of them and 100,000 records that name one.
    private var names: [String: String] = [:]
    /// The caller's own string for a device's ICCID, which its record keys on instead of a copy.
    let knownICCIDs: KnownICCIDs

    /// How the devices are split between two threads (`LoadSplit`).
    var loadSplit = StateCodec.LoadSplit()
    /// Batches read by both threads, for tests: a split that never happens would pass them too.
    var batchesRead = 0

    init(scanner: JSONScanner, knownICCIDs: KnownICCIDs = .none) {
        self.scanner = scanner
        window = nil
        self.knownICCIDs = knownICCIDs
    }

    init(window: StateReadWindow, knownICCIDs: KnownICCIDs = .none) {
        self.window = window
        scanner = window.scanner(at: 0)
        self.knownICCIDs = knownICCIDs
    }

    /// Bytes the whole file has, for reserving room.
    private var fileBytes: Int { window?.sizeHint ?? scanner.bytes.count }

    /// Makes sure the scanner sees `piece` whole (a no-op over a whole file).
    private mutating func frame(_ piece: StateReadWindow.Piece) throws(StateFormatError) {
        guard let window else { return }
        scanner = window.scanner(at: try window.frame(piece, from: scanner.index))
    }

    /// Where a member of a large object starts, to read it again if the window ends inside it; `nil` over a whole file.
    struct MemberMark {
        fileprivate var index: Int
        fileprivate var object: JSONScanner.Container
    }

    /// Call before reading a member of the devices or the inventory: streamed, the member
    /// is first read from what the window holds, with errors that skip finding their line.
    mutating func markMember(_ object: JSONScanner.Container) -> MemberMark? {
        guard let window, !window.atEnd else {
            scanner.describesPositions = true
            return nil
        }
        scanner.describesPositions = false
        return MemberMark(index: scanner.index, object: object)
    }

    /// After a member read from the window failed: rethrows `error` over a whole file, else
    /// frames the whole member (the window may have ended inside it) to read it again, so
    /// a real fault is reported from the whole member as the whole-file reader reports it.
    mutating func reframe(_ mark: MemberMark?, _ object: inout JSONScanner.Container, after error: StateFormatError) throws(StateFormatError) {
        guard let mark, let window else { throw error }
        object = mark.object
        scanner = window.scanner(at: try window.frame(.member, from: mark.index))
    }

    private mutating func interned(_ text: String?) -> String? {
        guard let text, text.utf8.count > 15 else { return text }
        if let held = names[text] { return held }
        if names.count < 10_000 { names[text] = text }
        return text
    }

    mutating func readState() throws(StateFormatError) -> PersistentState {
        var version: Int?
        var epoch = ""
        var cycle: Int?
        var devices: [String: DeviceRecord]?
        var health: Health?
        var outbox: [OutboxEntry]?
        var deadLetters: [DeadLetter]?
        // Files written before the change feed have neither: an empty inventory, no watermark.
        var inventory: [String: InventoryEntry] = [:]
        var feed = FeedState()
        var activity = ActivityLog()
        try frame(.nextByte)
        var object = try scanner.beginObject()
        while true {
            try frame(.topMember(streamedKeys: ["devices", "inventory"]))
            guard let key = try scanner.nextKey(&object) else { break }
            if key.matches("schema_version") {
                version = try readVersion()
            } else if key.matches("epoch") {
                epoch = try readEpoch()
            } else if key.matches("cycle") {
                cycle = try readSequence("cycle")
            } else if key.matches("devices") {
                devices = try readDevices()
            } else if key.matches("health") {
                health = try readHealth()
            } else if key.matches("outbox") {
                outbox = try readOutbox()
            } else if key.matches("dead_letters") {
                deadLetters = try readDeadLetters()
            } else if key.matches("inventory") {
                inventory = try readInventory()
            } else if key.matches("feed") {
                feed = try readFeed()
            } else if key.matches("insight") {
                activity = try readActivity()
            } else {
                try scanner.skipValue()
            }
        }
        try frame(.nextByte)
        try scanner.expectEnd()
        guard let version else { throw StateFormatError(description: "no \"schema_version\": not a simwatch state file") }
        guard let cycle, let devices, let health, let outbox, let deadLetters else {
            throw StateFormatError(description: "missing one of \"cycle\", \"devices\", \"health\", \"outbox\", \"dead_letters\"")
        }
        var state = PersistentState(
            schemaVersion: version, epoch: epoch, cycle: cycle, devices: devices, health: health,
            outbox: outbox, deadLetters: deadLetters, inventory: inventory, feed: feed
        )
        state.activity = activity
        return state
    }

    private mutating func readVersion() throws(StateFormatError) -> Int {
        let version: Int = try scanner.readInt()
        guard version <= PersistentState.currentSchemaVersion else {
            throw StateFormatError(description:
                "written by a newer simwatch (schema_version \(version); this build reads up to \(PersistentState.currentSchemaVersion))")
        }
        guard version >= 1 else { throw scanner.error("schema_version must be 1 or more") }
        return version
    }

    /// A sequence number or count: a whole number from 0 to 2^53 (`StateBounds`).
    mutating func readSequence(_ key: String) throws(StateFormatError) -> Int {
        _ = scanner.peek()
        let start = scanner.index
        let value: Int64 = try scanner.readInt()
        guard let exact = Int(exactly: value), StateBounds.sequenceRange.contains(exact) else {
            throw scanner.error(StateBounds.outOfRange(key, value), at: start)
        }
        return exact
    }

    /// The epoch as written; an empty one is treated as missing (the engine assigns one).
    private mutating func readEpoch() throws(StateFormatError) -> String {
        _ = scanner.peek()
        let start = scanner.index
        let epoch = try scanner.readString()
        guard epoch.utf8.count <= StateBounds.maxEpochLength,
              epoch.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
            throw scanner.error("\"epoch\" must be at most \(StateBounds.maxEpochLength) visible characters", at: start)
        }
        return epoch
    }

    private mutating func readDevices() throws(StateFormatError) -> [String: DeviceRecord] {
        var devices: [String: DeviceRecord] = [:]
        devices.reserveCapacity(fileBytes / 400)
        var object = try scanner.beginObject()
        let split = loadSplit
        // Two halves at once only where there is enough to split: a small fleet's file is
        // read before a thread would have started.
        let parallel = split.parallel && fileBytes >= 2 * split.batchBytes
        try SideThread.withSideThread(parallel: parallel) { (side) throws(StateFormatError) in
            var batches = parallel
            var pending: [(String, DeviceRecord)] = []
            while true {
                if batches {
                    if try readBatch(&object, into: &devices, pending: &pending, split: split, side: side) == .read { continue }
                    batches = false
                }
                let mark = markMember(object)
                let more: Bool
                do throws(StateFormatError) {
                    more = try nextDevice(&object, into: &devices)
                } catch {
                    try reframe(mark, &object, after: error)
                    more = try nextDevice(&object, into: &devices)
                }
                if !more { break }
            }
        }
        return devices
    }

    /// Reads the next device into `devices` (only once it is whole); `false` after the last.
    mutating func nextDevice(
        _ object: inout JSONScanner.Container, into devices: inout [String: DeviceRecord]
    ) throws(StateFormatError) -> Bool {
        guard let (iccid, record) = try nextMember(&object) else { return false }
        devices[iccid] = record
        return true
    }

    /// The next device's ICCID and record; `nil` after the last.
    mutating func nextMember(_ object: inout JSONScanner.Container) throws(StateFormatError) -> (String, DeviceRecord)? {
        guard let key = try scanner.nextKey(&object) else { return nil }
        let text = key.text
        let iccid = knownICCIDs.held(text) ?? text
        return (iccid, try readDevice(iccid: iccid))
    }

    /// One device record; `iccid` is its key, which `last` names with the same string.
    private mutating func readDevice(iccid: String) throws(StateFormatError) -> DeviceRecord {
        let start = scanner.index
        // Read straight into the record's fields, boxed once at the end: no setter checks
        // that its box is its own, and no record or usage copied on the way.
        var fields = DeviceRecord.Fields(last: nil, observation: 0, thresholds: ThresholdState(), usageRate: nil)
        var seenObservation = false, seenThresholds = false, seenNotFound = false
        var object = try scanner.beginObject()
        // A record this build wrote has its keys in `DeviceKey` order: the next one is tried first.
        var expected: DeviceKey? = .observation
        while true {
            let member: DeviceKey?
            if let next = expected, scanner.takeKey(next.name, in: &object) {
                member = next
            } else {
                guard let key = try scanner.nextKey(&object) else { break }
                member = DeviceKey.named(key)
            }
            if let member { expected = DeviceKey(rawValue: member.rawValue + 1) }
            switch member {
            case .observation:
                fields.observation = try readSequence("observation")
                seenObservation = true
            case .observedAt: fields.observedAt = try scanner.skipNull() ? nil : try scanner.readDate()
            case .notFound:
                fields.notFound = try scanner.readBool()
                seenNotFound = true
            case .thresholds:
                fields.thresholds = try readThresholds()
                seenThresholds = true
            case .flapping: fields.flapping = try scanner.skipNull() ? nil : Indirect(try readFlapping())
            case .usageRate: fields.usageRate = try scanner.skipNull() ? nil : try UsageRate.read(from: &scanner)
            case .insight: fields.insight = try InsightCodec.read(from: &scanner)
            case .last: fields.last = try scanner.skipNull() ? nil : try readUsage(named: iccid)
            case nil: try scanner.skipValue()
            }
        }
        guard seenObservation, seenThresholds, seenNotFound else {
            throw scanner.error("device record lacks \"observation\", \"thresholds\" or \"not_found\"", at: start)
        }
        return DeviceRecord(fields: fields)
    }

    private mutating func readThresholds() throws(StateFormatError) -> ThresholdState {
        let start = scanner.index
        var fired: Set<String>?
        var object = try scanner.beginObject()
        while let key = try scanner.nextKey(&object) {
            guard key.matches("fired") else {
                try scanner.skipValue()
                continue
            }
            var keys = Set<String>()
            var array = try scanner.beginArray()
            while try scanner.nextElement(&array) {
                // Room for two at the first key, not regrown at the second; an empty list allocates nothing.
                if keys.isEmpty { keys.reserveCapacity(2) }
                keys.insert(try scanner.readString())
            }
            fired = keys
        }
        guard let fired else { throw scanner.error("\"thresholds\" lacks \"fired\"", at: start) }
        return ThresholdState(fired: fired)
    }

    private mutating func readUsage(named deviceKey: String) throws(StateFormatError) -> DeviceUsage {
        let start = scanner.index
        var usage = DeviceUsage(iccid: "")
        var seenICCID = false
        try UsageField.all.withUnsafeBufferPointer { (fields) throws(StateFormatError) in
            // Files this build wrote have `iccid` first, then the rows in table order: the
            // key after the last one is tried first (-1 stands for `iccid`).
            var expected = -1
            var object = try scanner.beginObject()
            while true {
                let member: Int?
                if expected < fields.count, scanner.takeKey(expected < 0 ? "iccid" : fields[expected].key, in: &object) {
                    member = expected
                } else {
                    guard let key = try scanner.nextKey(&object) else { break }
                    member = key.matches("iccid") ? -1 : fields.indices.first { key.matches(fields[$0].key) }
                }
                guard let member else {
                    try scanner.skipValue()
                    continue
                }
                expected = member + 1
                if member < 0 {
                    // The record's ICCID is the key's: one string for both, and none made.
                    usage.iccid = try scanner.readString(reusing: deviceKey)
                    seenICCID = true
                } else {
                    try fields[member].read(into: &usage, from: &scanner)
                }
            }
        }
        guard seenICCID else { throw scanner.error("\"last\" lacks \"iccid\"", at: start) }
        usage.status = interned(usage.status)
        usage.ratePlan = interned(usage.ratePlan)
        usage.communicationPlan = interned(usage.communicationPlan)
        usage.overageLimitOverride = interned(usage.overageLimitOverride)
        return usage
    }
}
