import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchMonitor
@testable import SimWatchState

/// Numbers in the state file are range-checked: out of range is a corrupt file, never a trap.
@Suite("State file: bounded numbers")
struct StateBoundsTests {
    /// A valid file with one device and one outbox entry; `edit` replaces one placeholder.
    static func file(
        cycle: String = "7", observation: String = "3", data: String = "100", sms: String = "null",
        failedCycles: String = "0", attempts: String = "0", epoch: String = "\"00112233445566778899aabbccddeeff\"",
        observedAt: String = "\"2026-11-27T10:00:00Z\"", lastSuccess: String = "\"2026-11-27T10:00:00Z\"",
        enqueuedAt: String = "\"2026-11-27T10:00:00Z\"", deadLetters: String = ""
    ) -> String {
        """
        {"schema_version": 1, "epoch": \(epoch), "cycle": \(cycle),
         "health": {"consecutive_failed_cycles": \(failedCycles), "poll_failed_raised": false,
            "last_successful_cycle_at": \(lastSuccess)},
         "devices": {"8988216716970004975": {"observation": \(observation), "observed_at": \(observedAt),
            "not_found": false, "thresholds": {"fired": []},
            "last": {"iccid": "8988216716970004975", "ctdDataUsage": \(data), "ctdSMSUsage": \(sms)}}},
         "outbox": [{"event": {"id": "0000000000000001", "kind": "poll_failed", "severity": "critical",
            "observed_at": "2026-11-27T10:00:00Z", "summary": "x"}, "pending_webhooks": ["ops"],
            "enqueued_at": \(enqueuedAt), "attempts": \(attempts)}],
         "dead_letters": [\(deadLetters)]}
        """
    }

    struct Corrupt: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        /// Words the reason must contain.
        var reason: String
        var testDescription: String { name }
    }

    static let twoTo53 = "9007199254740992"
    static let twoTo53Plus1 = "9007199254740993"

    static let corrupt: [Corrupt] = [
        .init(name: "cycle 2^53+1", text: file(cycle: twoTo53Plus1), reason: "\"cycle\" is 9007199254740993, outside 0 to 2^53"),
        .init(name: "cycle Int64.max", text: file(cycle: "9223372036854775807"), reason: "\"cycle\" is 9223372036854775807"),
        .init(name: "cycle negative", text: file(cycle: "-1"), reason: "\"cycle\" is -1"),
        .init(name: "cycle Int64.min", text: file(cycle: "-9223372036854775808"), reason: "\"cycle\" is -9223372036854775808"),
        .init(name: "cycle 1e300", text: file(cycle: "1e300"), reason: "expected a whole number"),
        .init(name: "cycle 20 digits", text: file(cycle: "99999999999999999999"), reason: "too large"),
        .init(name: "cycle NaN", text: file(cycle: "NaN"), reason: "expected a whole number"),
        .init(name: "cycle as a string", text: file(cycle: "\"7\""), reason: "expected a whole number"),
        .init(name: "cycle empty", text: file(cycle: ""), reason: "expected a whole number"),
        .init(name: "observation 2^53+1", text: file(observation: twoTo53Plus1), reason: "\"observation\" is 9007199254740993"),
        .init(name: "observation negative", text: file(observation: "-3"), reason: "\"observation\" is -3"),
        .init(name: "observation 2.5", text: file(observation: "2.5"), reason: "expected a whole number"),
        .init(name: "negative data counter", text: file(data: "-1"), reason: "counter \"ctdDataUsage\" is negative (-1)"),
        .init(name: "negative sms counter", text: file(sms: "-9223372036854775808"), reason: "counter \"ctdSMSUsage\" is negative"),
        .init(name: "counter 1e300", text: file(data: "1e300"), reason: "expected a whole number"),
        .init(name: "counter past Int64.max", text: file(data: "9223372036854775808"), reason: "too large"),
        .init(name: "failed cycles 2^53+1", text: file(failedCycles: twoTo53Plus1),
              reason: "\"health.consecutive_failed_cycles\" is 9007199254740993"),
        .init(name: "failed cycles negative", text: file(failedCycles: "-1"), reason: "\"health.consecutive_failed_cycles\" is -1"),
        .init(name: "failed cycles 1e300", text: file(failedCycles: "1e300"), reason: "\"health\" is not valid"),
        .init(name: "epoch with a control character", text: file(epoch: "\"ab\\u001fcd\""), reason: "\"epoch\" must be"),
        .init(name: "epoch too long", text: file(epoch: "\"" + String(repeating: "a", count: 129) + "\""), reason: "\"epoch\" must be"),
        .init(name: "epoch a number", text: file(epoch: "12"), reason: "expected '\"'"),
        .init(name: "observed_at year 99999", text: file(observedAt: "\"99999-11-27T10:00:00Z\""), reason: "expected a date"),
        .init(name: "observed_at a number", text: file(observedAt: "1e300"), reason: "expected '\"'"),
        .init(name: "observed_at month 13", text: file(observedAt: "\"2026-13-27T10:00:00Z\""), reason: "expected a date"),
        .init(name: "last success year 99999", text: file(lastSuccess: "\"99999-11-27T10:00:00Z\""),
              reason: "\"health.last_successful_cycle_at\" is not a time between the years 0000 and 9999"),
        .init(name: "enqueued year 99999", text: file(enqueuedAt: "\"99999-01-01T00:00:00Z\""),
              reason: "\"outbox[0].enqueued_at\" is not a time between"),
        .init(name: "dead letter year 99999", text: file(deadLetters: """
              {"event": {"id": "1", "kind": "test", "severity": "info", "observed_at": "2026-11-27T10:00:00Z",
              "summary": "x"}, "webhook": "ops", "reason": "r", "at": "99999-01-01T00:00:00Z"}
              """), reason: "\"dead_letters[0].at\" is not a time between"),
        .init(name: "last success a huge number", text: file(lastSuccess: "1e300"), reason: "\"health\" is not valid"),
    ]

    @Test(arguments: corrupt)
    func outOfRangeIsCorrupt(_ testCase: Corrupt) throws {
        #expect {
            try StateCodec.decode(Array(testCase.text.utf8))
        } throws: { error in
            let description = (error as? StateFormatError)?.description ?? ""
            return description.contains(testCase.reason) && description.hasPrefix("line ")
        }
        // Through the store: set aside, never a crash.
        let folder = try StateTestFolder()
        defer { folder.remove() }
        #expect(FileManager.default.createFile(atPath: folder.statePath, contents: Data(testCase.text.utf8)))
        let store = StateStore(path: folder.statePath, logger: CapturedLogs().logger)
        let corruptPath = folder.statePath + ".corrupt-20261127T100000Z"
        #expect(try store.load(now: StateFixtures.now) == .reset(corruptPath: corruptPath))
        #expect(FileManager.default.contents(atPath: corruptPath) == Data(testCase.text.utf8))
    }

    @Test func boundariesLoad() throws {
        let text = Self.file(cycle: Self.twoTo53, observation: Self.twoTo53, data: "9223372036854775807", sms: "-0",
                             failedCycles: Self.twoTo53, attempts: Self.twoTo53,
                             observedAt: "\"0000-01-01T00:00:00Z\"", lastSuccess: "\"9999-12-31T23:59:59Z\"")
        let state = try StateCodec.decode(Array(text.utf8))
        #expect(state.cycle == 1 << 53)
        #expect(state.epoch == "00112233445566778899aabbccddeeff")
        let record = try #require(state.devices["8988216716970004975"])
        #expect(record.observation == 1 << 53)
        #expect(record.last?.ctdDataUsage == .max)
        #expect(record.last?.ctdSMSUsage == 0)
        #expect(state.health.consecutiveFailedCycles == 1 << 53)
        #expect(state.outbox.count == 1)
        #expect(record.observedAt?.timeIntervalSince1970 == StateBounds.dateRange.lowerBound)
        #expect(state.health.lastSuccessfulCycleAt?.timeIntervalSince1970 == StateBounds.dateRange.upperBound)
        #expect(try StateCodec.decode(StateCodec.encode(state)) == state)
    }

    @Test func aFileOverTheSizeLimitIsSetAsideUnread() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let text = Self.file()
        #expect(FileManager.default.createFile(atPath: folder.statePath, contents: Data(text.utf8)))
        let exact = StateStore(path: folder.statePath, logger: CapturedLogs().logger, readLimit: text.utf8.count)
        #expect(try exact.read() != nil)
        let small = StateStore(path: folder.statePath, logger: CapturedLogs().logger, readLimit: text.utf8.count - 1)
        let error = try #require(throws: StateLoadError.self) { try small.read() }
        #expect(error.reason.contains("larger than \(text.utf8.count - 1) bytes"))
        let corruptPath = folder.statePath + ".corrupt-20261127T100000Z"
        #expect(try small.load(now: StateFixtures.now) == .reset(corruptPath: corruptPath))
        #expect(FileManager.default.contents(atPath: corruptPath) == Data(text.utf8))
        #expect(StateFileSystem.maxStateFileBytes == 1 << 30)
    }

    @Test func missingOrEmptyEpochLoadsAsUnassigned() throws {
        let empty = try StateCodec.decode(Array(Self.file(epoch: "\"\"").utf8))
        #expect(empty.epoch == "")
        let text = Self.file().replacingOccurrences(of: "\"epoch\": \"00112233445566778899aabbccddeeff\", ", with: "")
        #expect(!text.contains("epoch"))
        #expect(try StateCodec.decode(Array(text.utf8)).epoch == "")
    }

    @Test func anyDateFormatsWithoutTrapping() {
        for seconds in [Double.nan, .infinity, -.infinity, 1e300, -1e300, Double(Int64.max), -0.0] {
            _ = StateDateFormat.compactUTC(Date(timeIntervalSince1970: seconds))
        }
        #expect(StateDateFormat.compactUTC(Date(timeIntervalSince1970: 1e300)) == "99991231T235959Z")
        #expect(StateDateFormat.compactUTC(Date(timeIntervalSince1970: -.infinity)) == "00000101T000000Z")
        #expect(StateDateFormat.compactUTC(Date(timeIntervalSince1970: -0.0)) == "19700101T000000Z")
    }

    @Test func incrementsSaturate() {
        #expect(Int.max.incrementedSaturating == .max)
        #expect((Int.max - 1).incrementedSaturating == .max)
        #expect(0.incrementedSaturating == 1)
        #expect((-1).incrementedSaturating == 0)
    }

    /// Older files counted `attempts` per outbox entry; nothing reads them now, whatever they hold.
    @Test(arguments: ["9223372036854775807", "-1", "1e300", "\"x\""])
    func olderFilesAttemptsAreReadPast(attempts: String) throws {
        let state = try StateCodec.decode(Array(Self.file(attempts: attempts).utf8))
        #expect(state.outbox.map(\.event.id) == ["0000000000000001"])
    }
}

/// Temp files of live writers are left alone; dead writers' are removed.
@Suite("State file: temp files")
struct StateTempFileTests {
    @Test func onlyDeadWritersTempFilesAreRemoved() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let logs = CapturedLogs()
        let store = StateStore(path: folder.statePath, logger: logs.logger)
        try store.save(StateFixtures.fullState())
        let live = ".state.json.tmp-\(getppid())-17"  // the test runner's parent: alive
        let own = ".state.json.tmp-\(getpid())-18"  // this process holds the lock: a leftover
        let dead = ".state.json.tmp-2147483000-19"  // above any pid_max
        let odd = ".state.json.tmp-notapid"
        let zero = ".state.json.tmp-0-1"
        for name in [live, own, dead, odd, zero] {
            #expect(FileManager.default.createFile(atPath: folder.path + "/" + name, contents: Data("partial".utf8)))
        }
        #expect(try store.load(now: StateFixtures.now) == .loaded(StateFixtures.fullState()))
        #expect(try folder.files() == [odd, zero, live, "state.json"].sorted())
        #expect(logs.records.filter { $0.message.contains("removed temp file") }.count == 2)
        #expect(logs.records.filter { $0.level == .warning && $0.message.contains("left alone") }.count == 3)
    }

    @Test func writerPIDParsing() {
        #expect(StateFileSystem.writerPID(ofTempName: "1234-99") == 1234)
        #expect(StateFileSystem.writerPID(ofTempName: "1234") == nil)
        #expect(StateFileSystem.writerPID(ofTempName: "-1-2") == nil)
        #expect(StateFileSystem.writerPID(ofTempName: "0-2") == nil)
        #expect(StateFileSystem.writerPID(ofTempName: "99999999999-2") == nil)
        #expect(StateFileSystem.writerPID(ofTempName: "-") == nil)
        #expect(StateFileSystem.writerPID(ofTempName: "") == nil)
    }

    @Test func aSaveNamesItsTempFileWithThePID() throws {
        // The temp name cannot be created (too long), so the error shows it.
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let store = StateStore(path: folder.path + "/" + String(repeating: "s", count: 240) + ".json", logger: CapturedLogs().logger)
        let error = try #require(throws: StateSaveError.self) { try store.save(PersistentState()) }
        #expect(error.step.contains(".tmp-\(getpid())-"))
        #expect(error.code == ENAMETOOLONG)
    }
}
