import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchMonitor

/// Silences: the file's form and bounds, the command line's request, the store's lock and
/// atomic writes, and the filter that applies them with the windows.
@Suite("Noise: silences")
struct NoiseSilenceTests {
    static let now = Date(timeIntervalSince1970: 1_795_000_000)
    static let berlin = EventMatch([.label("site"): ["berlin"]])

    static func silence(_ id: String, ends: TimeInterval, starts: TimeInterval = -60, match: EventMatch = berlin) -> Silence {
        Silence(id: id, match: match, startsAt: now + starts, endsAt: now + ends, reason: "maintenance", createdAt: now + starts)
    }

    @Test func theFileRoundTripsAndIsReadableByPeople() throws {
        let silences = [Self.silence("0a1b2c3d", ends: 3600), Self.silence("ffffffff", ends: -10, match: EventMatch([.kind: ["poll_failed"]]))]
        let bytes = SilenceFile.encode(silences)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"label.site\" : [\n") || text.contains("\"label.site\": ["), "\(text)")
        #expect(try SilenceFile.decode(bytes).get() == silences)
    }

    @Test("hostile or broken files are problems, never crashes", arguments: [
        ("", "not a silences file"),
        ("{", "not a silences file"),
        ("[]", "not a silences file"),
        (#"{"version": 2, "silences": []}"#, "unknown version 2"),
        (#"{"version": 1}"#, "missing \"silences\""),
        (#"{"version": 1, "silences": [{"id": "xyz", "match": {"kind": ["poll_failed"]}, "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-01-02T00:00:00Z", "reason": "r", "created_at": "2026-01-01T00:00:00Z"}]}"#, "8 hex digits"),
        (#"{"version": 1, "silences": [{"id": "0000000a", "match": {"colour": ["red"]}, "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-01-02T00:00:00Z", "reason": "r", "created_at": "2026-01-01T00:00:00Z"}]}"#, "unknown match key \"colour\""),
        (#"{"version": 1, "silences": [{"id": "0000000a", "match": {}, "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-01-02T00:00:00Z", "reason": "r", "created_at": "2026-01-01T00:00:00Z"}]}"#, "at least one match key"),
        (#"{"version": 1, "silences": [{"id": "0000000a", "match": {"severity": ["loud"]}, "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-01-02T00:00:00Z", "reason": "r", "created_at": "2026-01-01T00:00:00Z"}]}"#, "expected a severity"),
        (#"{"version": 1, "silences": [{"id": "0000000a", "match": {"iccid": ["1"]}, "starts_at": "2026-01-03T00:00:00Z", "ends_at": "2026-01-02T00:00:00Z", "reason": "r", "created_at": "2026-01-01T00:00:00Z"}]}"#, "before starts_at"),
        (#"{"version": 1, "silences": [{"id": "0000000a", "match": {"iccid": ["1"]}, "starts_at": "yesterday", "ends_at": "2026-01-02T00:00:00Z", "reason": "r", "created_at": "2026-01-01T00:00:00Z"}]}"#, "silences[0].starts_at"),
        (#"{"version": 99999999999999999999999, "silences": []}"#, "not a silences file"),
        // Found by FuzzSilences: a five-digit year reads, but cannot be written back.
        (#"{"version": 1, "silences": [{"id": "0000000a", "match": {"iccid": ["1"]}, "starts_at": "2026-01-01T00:00:00Z", "ends_at": "12026-01-02T00:00:00Z", "reason": "r", "created_at": "2026-01-01T00:00:00Z"}]}"#, "\"ends_at\" is not a time between the years 0000 and 9999"),
    ])
    func hostile(_ text: String, _ message: String) {
        guard case .failure(let problem) = SilenceFile.decode(Array(text.utf8)) else {
            Issue.record("decoded: \(text)")
            return
        }
        #expect(problem.message.contains(message), "\(problem.message)")
    }

    @Test func fractionalSecondsLoadAsTheWholeSecondsTheFileIsWrittenWith() throws {
        let text = #"{"version": 1, "silences": [{"id": "0000000a", "match": {"iccid": ["1"]}, "starts_at": "2026-01-01T00:00:00.75Z", "ends_at": "2026-01-02T00:00:00.5Z", "reason": "r", "created_at": "2026-01-01T00:00:00.25Z"}]}"#
        let silences = try SilenceFile.decode(Array(text.utf8)).get()
        #expect(try SilenceFile.decode(SilenceFile.encode(silences)).get() == silences)
        #expect(silences.first?.endsAt.timeIntervalSince1970.truncatingRemainder(dividingBy: 1) == 0)
    }

    @Test func sizesAndCountsAreBounded() {
        #expect(SilenceFile.decode([UInt8](repeating: 0x20, count: SilenceFile.maxBytes + 1)) == .failure(.init("larger than 1048576 bytes")))
        let many = (0...SilenceFile.maxSilences).map { Self.silence(String(format: "%08x", $0), ends: 60) }
        guard case .failure(let problem) = SilenceFile.decode(SilenceFile.encode(many)) else {
            Issue.record("too many silences decoded")
            return
        }
        #expect(problem.message.contains("at most 1000"))
        let deep = String(repeating: "[", count: 100_000)
        #expect((try? SilenceFile.decode(Array(deep.utf8)).get()) == nil)
    }

    @Test func expiredSilencesStaySevenDaysThenLeave() {
        let kept = Self.silence("00000001", ends: -7 * 86_400 + 1)
        let dropped = Self.silence("00000002", ends: -7 * 86_400 - 1)
        #expect(SilenceFile.pruned([kept, dropped], now: Self.now) == [kept])
    }

    @Test func theRequestTakesRepeatedKeysAsAnyAndBoundsEverything() throws {
        let request = try SilenceRequest.parse(
            matches: ["label.site=berlin", "kind=status_changed", "kind=imei_changed", "device=a=b"], for: "2h", until: nil,
            reason: "  swap  ", now: Self.now).get()
        #expect(request.match == EventMatch([
            .label("site"): ["berlin"], .kind: ["status_changed", "imei_changed"], .device: ["a=b"],
        ]))
        #expect(request.endsAt == Self.now + 7200 && request.reason == "swap")
        let until = try SilenceRequest.parse(
            matches: ["iccid=8988216716970004975"], for: nil, until: "2025-11-18T20:00:00+01:00", reason: "r",
            now: Date(timeIntervalSince1970: 1_763_000_000)).get()
        #expect(until.endsAt == Date(timeIntervalSince1970: 1_763_492_400))
        let failures: [([String], String?, String?, String, String)] = [
            ([], "2h", nil, "r", "at least one --match"),
            (["site"], "2h", nil, "r", "expected KEY=VALUE"),
            (["colour=red"], "2h", nil, "r", "unknown match key"),
            (["kind=nonsense"], "2h", nil, "r", "expected an event kind"),
            (["iccid="], "2h", nil, "r", "1 to 200 characters"),
            (["iccid=1"], nil, nil, "r", "either --for"),
            (["iccid=1"], "2h", "2030-01-01T00:00:00Z", "r", "either --for"),
            (["iccid=1"], "soon", nil, "r", "expected a duration"),
            (["iccid=1"], "400d", nil, "r", "at most 366d"),
            (["iccid=1"], "99999999999999999999d", nil, "r", "expected a duration"),
            (["iccid=1"], nil, "2000-01-01T00:00:00Z", "r", "has passed"),
            (["iccid=1"], nil, "tomorrow", "r", "RFC 3339"),
            (["iccid=1"], "2h", nil, "   ", "--reason"),
            (["iccid=1"], "2h", nil, String(repeating: "x", count: 501), "--reason"),
        ]
        for (matches, duration, until, reason, message) in failures {
            guard case .failure(let problem) = SilenceRequest.parse(
                matches: matches, for: duration, until: until, reason: reason, now: Self.now)
            else {
                Issue.record("accepted: \(matches) \(duration ?? "-") \(until ?? "-")")
                continue
            }
            #expect(problem.message.contains(message), "\(problem.message)")
        }
    }

    @Test func addListExpireThroughTheStore() throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("silences.json")
        let request = try SilenceRequest.parse(matches: ["label.site=berlin"], for: "1h", until: nil, reason: "r", now: Self.now).get()
        let added = try SilenceCommands.add(request, path: path, now: Self.now)
        #expect(Silence.isID(added.id))
        #expect(try SilenceStore(path: path).read().get() == [added])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o644, "the daemon's own user reads what root's silence add wrote")
        let expired = try SilenceCommands.expire(id: added.id, path: path, now: Self.now + 60)
        #expect(expired.endsAt == Self.now + 60 && !expired.isActive(at: Self.now + 60))
        #expect(try SilenceStore(path: path).read().get() == [expired])
        #expect(throws: SilenceFileProblem.self) { try SilenceCommands.expire(id: "0badf00d", path: path, now: Self.now) }
        #expect(throws: SilenceFileProblem.self) { try SilenceCommands.expire(id: "../etc", path: path, now: Self.now) }
        // Eight days later, the next change drops it.
        let later = Self.now + 8 * 86_400
        let second = try SilenceRequest.parse(matches: ["iccid=1"], for: "1h", until: nil, reason: "r", now: later).get()
        _ = try SilenceCommands.add(second, path: path, now: later)
        #expect(try SilenceStore(path: path).read().get().map(\.id) != [added.id])
        #expect(try SilenceStore(path: path).read().get().count == 1)
    }

    @Test func aCorruptFileIsNotOverwrittenByAChange() throws {
        let folder = try TemporaryDirectory()
        try folder.write("silences.json", "{ not json")
        let request = try SilenceRequest.parse(matches: ["iccid=1"], for: "1h", until: nil, reason: "r", now: Self.now).get()
        #expect(throws: SilenceFileProblem.self) { try SilenceCommands.add(request, path: folder.file("silences.json"), now: Self.now) }
        #expect(try String(contentsOfFile: folder.file("silences.json"), encoding: .utf8) == "{ not json")
    }

    @Test func theFilterPrefersSilencesThenWindowsAndSkipsTestEvents() {
        let subject = MatchSubject(kind: .statusChanged, severity: .warning, iccid: "1", labels: ["site": "berlin"])
        let window = MaintenanceWindow(
            name: "nightly", match: Self.berlin, days: Set(Weekday.allCases), from: 0, to: 86_400, timeZone: TimeZone(identifier: "UTC")!)
        var filter = NoiseFilter(silences: [Self.silence("0000000a", ends: -1), Self.silence("0000000b", ends: 60)], windows: [window])
        #expect(filter.silencer(for: subject, at: Self.now) == .silence("0000000b"))
        filter.silences.removeLast()
        #expect(filter.silencer(for: subject, at: Self.now) == .window("nightly"))
        #expect(filter.silencer(for: MatchSubject(kind: .test, severity: .info, labels: ["site": "berlin"]), at: Self.now) == nil)
        var other = subject
        other.labels = ["site": "paris"]
        #expect(filter.silencer(for: other, at: Self.now) == nil)
        // A pending silence does not hold yet.
        #expect(NoiseFilter(silences: [Self.silence("0000000c", ends: 120, starts: 60)]).silencer(for: subject, at: Self.now) == nil)
    }

    @Test func listingStripsControlCharacters() {
        var silence = Self.silence("0000000a", ends: 60)
        silence.reason = "swap \u{1B}[2Jmodems"
        let report = SilenceReport(silences: [silence], now: Self.now)
        #expect(report.table().contains("swap [2Jmodems") && !report.table().contains("\u{1B}"))
        #expect(report.rows.first?.state == "active")
    }

    @Test func statusListsTheSilencesInForceOrWhyTheFileIsUnreadable() throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("silences.json")
        #expect(SilenceReport.inForce(path: path, now: Self.now).contains("Silences in force: none"))
        try folder.write("silences.json", String(decoding: SilenceFile.encode([
            Self.silence("0000000a", ends: 60), Self.silence("0000000b", ends: -60),
        ]), as: UTF8.self))
        let shown = SilenceReport.inForce(path: path, now: Self.now)
        #expect(shown.contains("0000000a") && !shown.contains("0000000b"))
        try folder.write("silences.json", "garbage")
        #expect(SilenceReport.inForce(path: path, now: Self.now).contains("not a silences file"))
    }

    @Test func aReloadMayNotMoveTheSilencesFile() throws {
        var old = NoiseEngineTests.config()
        var new = old
        #expect(throws: Never.self) { try SilencesFileChange.refuse(from: old, to: new) }
        new.silencesFile = "/elsewhere/silences.json"
        #expect(throws: SilencesFileChange.self) { try SilencesFileChange.refuse(from: old, to: new) }
        old.silencesFile = "/nonexistent/silences.json"
        new.silencesFile = nil
        #expect(throws: Never.self, "the default beside the state file is the same path") {
            try SilencesFileChange.refuse(from: old, to: new)
        }
    }
}
