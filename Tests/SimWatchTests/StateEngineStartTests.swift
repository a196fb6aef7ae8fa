import Foundation
import Logging
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchMonitor
@testable import SimWatchState

/// `MonitorEngine.start()`: the lock, the folder proof, the epoch and `state_reset`.
@Suite("State: engine start, lock and saves")
struct StateEngineStartTests {
    static let device = DeviceEntry(iccid: "8988216716970004975", name: "truck-17")

    static func config(stateFile: String) -> Config {
        Config(
            path: "test.yaml",
            controlCenter: ControlCenterSettings(baseURL: "https://cc.example.com", username: "u", apiKey: Secret("k")),
            stateFile: stateFile, devices: [device],
            webhooks: [WebhookSettings(name: "ops", format: .generic, url: Secret("https://hooks.example.com/x"))])
    }

    static func engine(_ stateFile: String, metrics: SimwatchMetrics? = nil, logs: CapturedLogs = CapturedLogs()) -> MonitorEngine {
        MonitorEngine(config: config(stateFile: stateFile), logger: logs.logger, metrics: metrics, now: { StateFixtures.now })
    }

    static func onDisk(_ path: String) throws -> PersistentState {
        try #require(try StateStore(path: path, logger: CapturedLogs().logger).read())
    }

    // MARK: Lock

    @Test func startHoldsTheLockAndRecordsThePID() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        #expect(StateLock.holderPID(forStateFile: folder.statePath) == nil)
        var engine: MonitorEngine? = Self.engine(folder.statePath)
        try await engine?.start()
        #expect(StateLock.holderPID(forStateFile: folder.statePath) == getpid())
        let text = try String(contentsOfFile: folder.statePath + ".lock", encoding: .utf8)
        #expect(text == "\(getpid())\n")
        engine = nil
        // Released with the engine; the file stays (removing it would race a new holder).
        #expect(StateLock.holderPID(forStateFile: folder.statePath) == nil)
        #expect(FileManager.default.fileExists(atPath: folder.statePath + ".lock"))
    }

    @Test func aSecondProcessIsRefusedBeforeTouchingTheState() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        // Another holder: flock is per open file description, so this open counts as one.
        let fd = open(folder.statePath + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let pid = Array("4242\n".utf8)
        #expect(pid.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == pid.count)
        let leftover = folder.path + "/.state.json.tmp-2147483000-1"
        #expect(FileManager.default.createFile(atPath: leftover, contents: Data()))
        #expect(FileManager.default.createFile(atPath: folder.statePath, contents: Data("garbage".utf8)))

        #expect(StateLock.holderPID(forStateFile: folder.statePath) == 4242)
        let error = await #expect(throws: StateLockError.self) { try await Self.engine(folder.statePath).start() }
        #expect(error?.holderPID == 4242)
        #expect(error?.description.contains("another simwatch (pid 4242) is using state file \(folder.statePath)") == true)
        // Nothing was read, set aside, removed or written.
        #expect(try folder.files() == [".state.json.tmp-2147483000-1", "state.json", "state.json.lock"])
        #expect(FileManager.default.contents(atPath: folder.statePath) == Data("garbage".utf8))

        flock(fd, LOCK_UN)
        #expect(StateLock.holderPID(forStateFile: folder.statePath) == nil)
        try await Self.engine(folder.statePath).start()
    }

    @Test func aHolderThatRecordedNoPIDIsStillRefused() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let fd = open(folder.statePath + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        #expect(StateLock.holderPID(forStateFile: folder.statePath) == nil)
        let error = await #expect(throws: StateLockError.self) { try await Self.engine(folder.statePath).start() }
        #expect(error?.description.contains("pid unknown") == true)
    }

    @Test func twoEnginesInOneProcessDoNotShareAStateFile() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let first = Self.engine(folder.statePath)
        try await first.start()
        try await first.start()  // a second start of the same engine keeps its lock
        await #expect(throws: StateLockError.self) { try await Self.engine(folder.statePath).start() }
    }

    // MARK: Folder proof

    @Test func aFolderThatIsAFileExitsAsAConfigurationError() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        #expect(FileManager.default.createFile(atPath: folder.path + "/plain", contents: Data()))
        let error = await #expect(throws: StateFolderError.self) { try await Self.engine(folder.path + "/plain/state.json").start() }
        #expect(error?.description == "state folder \(folder.path)/plain is not writable: "
            + "cannot create \(folder.path)/plain/state.json.lock: Not a directory (ENOTDIR)")
    }

    @Test func aMissingFolderIsNamed() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let error = await #expect(throws: StateFolderError.self) { try await Self.engine(folder.path + "/absent/state.json").start() }
        #expect(error?.description.hasPrefix("state folder \(folder.path)/absent is not writable: ") == true)
        #expect(error?.description.hasSuffix("No such file or directory (ENOENT)") == true)
    }

    @Test("a folder even root may not write (sysfs)", .enabled(if: FileManager.default.fileExists(atPath: "/sys/kernel")))
    func sysfsIsNotWritable() async throws {
        let error = await #expect(throws: StateFolderError.self) { try await Self.engine("/sys/simwatch-state.json").start() }
        #expect(error?.description.hasPrefix("state folder /sys is not writable: cannot create /sys/simwatch-state.json.lock: ") == true)
        #expect(error?.reason.contains("(EACCES)") == true || error?.reason.contains("(EROFS)") == true)
    }

    @Test func aStateThatCannotBeSavedAtStartIsAConfigurationError() async throws {
        // The lock file fits the name limit, the temp file does not: the save itself fails.
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let path = folder.path + "/" + String(repeating: "s", count: 240) + ".json"
        let error = await #expect(throws: StateFolderError.self) { try await Self.engine(path).start() }
        #expect(error?.folder == folder.path)
        #expect(error?.reason.hasSuffix("failed: File name too long (ENAMETOOLONG)") == true)
    }

    @Test func aWarmStateThatCouldNotBeSavedIsStillAConfigurationError() async throws {
        // The state as read is not rewritten at start, but its folder is still proven writable.
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let path = folder.path + "/" + String(repeating: "s", count: 240) + ".json"
        try await Self.engine(folder.statePath).start()
        try FileManager.default.copyItem(atPath: folder.statePath, toPath: path)
        let error = await #expect(throws: StateFolderError.self) { try await Self.engine(path).start() }
        #expect(error?.reason.hasSuffix("failed: File name too long (ENAMETOOLONG)") == true)
    }

    @Test func aStateAsReadIsProvenWritableWithoutRewritingIt() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        try await Self.engine(folder.statePath).start()
        let written = try Self.inode(folder.statePath)
        try await Self.engine(folder.statePath).start()
        #expect(try Self.inode(folder.statePath) == written, "a rewrite renames a new file over the old one")
        #expect(try folder.files() == ["state.json", "state.json.lock"], "the probe leaves nothing behind")

        // A file from before epochs gets one, and is saved with it at once.
        var old = try Self.onDisk(folder.statePath)
        old.epoch = ""
        try Data(StateCodec.encode(old)).write(to: URL(fileURLWithPath: folder.statePath))
        let before = try Self.inode(folder.statePath)
        try await Self.engine(folder.statePath).start()
        #expect(try Self.inode(folder.statePath) != before)
        #expect(try Self.onDisk(folder.statePath).epoch.count == 32)
    }

    static func inode(_ path: String) throws -> UInt64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw StateTestError.missing(path) }
        return UInt64(info.st_ino)
    }

    enum StateTestError: Error { case missing(String) }

    /// A loaded record keys on the configuration's string for its ICCID, not on a copy read from the file.
    @Test func loadedRecordsShareTheConfigurationsICCIDs() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        var state = PersistentState(cycle: 3)
        state.devices[Self.device.iccid] = DeviceRecord(last: DeviceUsage(iccid: Self.device.iccid, status: "ACTIVATED"), observation: 3)
        state.devices["8988216716970009999"] = DeviceRecord(observation: 3)
        try StateStore(path: folder.statePath, logger: CapturedLogs().logger).save(state)
        let engine = Self.engine(folder.statePath)
        try await engine.start()
        let loaded = await engine.state.devices
        let key = try #require(loaded.keys.first { $0 == Self.device.iccid })
        #expect(stringStorage(key) == stringStorage(Self.device.iccid))
        #expect(stringStorage(loaded[key]?.last?.iccid) == stringStorage(Self.device.iccid))
    }

    @Test func startWritesTheStateBeforeAnyPoll() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        try await Self.engine(folder.statePath).start()
        let saved = try Self.onDisk(folder.statePath)
        #expect(saved.devices.isEmpty && saved.cycle == 0)
        #expect(saved.epoch.count == 32)
    }

    // MARK: Epoch and state_reset

    @Test func theEpochIsKeptAcrossRestartsAndAssignedToOldFiles() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        var old = StateFixtures.fullState()
        old.epoch = ""
        try StateStore(path: folder.statePath, logger: CapturedLogs().logger).save(old)
        var text = try String(contentsOfFile: folder.statePath, encoding: .utf8)
        text = text.replacingOccurrences(of: "  \"epoch\": \"\",\n", with: "")
        #expect(!text.contains("epoch"))
        try text.write(toFile: folder.statePath, atomically: true, encoding: .utf8)

        var first: MonitorEngine? = Self.engine(folder.statePath)
        try await first?.start()
        let epoch = try #require(await first?.state.epoch)
        #expect(epoch.count == 32)
        #expect(try Self.onDisk(folder.statePath).epoch == epoch)
        first = nil
        let second = Self.engine(folder.statePath)
        try await second.start()
        #expect(await second.state.epoch == epoch)
    }

    @Test func aResetGetsANewEpochSoIDsDoNotRepeat() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        func statusChangeID(_ engine: MonitorEngine) async -> String? {
            var usage = DeviceUsage(iccid: Self.device.iccid, status: "ACTIVATED")
            _ = await engine.recordUsage(usage, for: Self.device)
            usage.status = "DEACTIVATED"
            return await engine.recordUsage(usage, for: Self.device).first?.id
        }
        var first: MonitorEngine? = Self.engine(folder.statePath)
        try await first?.start()
        let before = try #require(await first?.state.epoch)
        let firstID = try #require(await statusChangeID(first!))
        first = nil
        #expect(FileManager.default.createFile(atPath: folder.statePath, contents: Data("{\"cycle\": 1e300".utf8)))

        let second = Self.engine(folder.statePath)
        try await second.start()
        let after = await second.state.epoch
        #expect(after.count == 32 && after != before)
        // Same transition, same observation number, same clock: a new id all the same.
        let secondID = try #require(await statusChangeID(second))
        #expect(secondID != firstID)
    }

    @Test func stateResetIsSavedBeforeItCanBeDelivered() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        #expect(FileManager.default.createFile(atPath: folder.statePath, contents: Data("{\"cycle\": -1}".utf8)))
        let engine = Self.engine(folder.statePath)
        try await engine.start()
        let saved = try Self.onDisk(folder.statePath)
        #expect(saved.outbox.map(\.event.kind) == [.stateReset])
        #expect(saved.outbox.first?.event.summary.contains(".corrupt-20261127T100000Z") == true)
        #expect(await engine.pendingEntries(for: "ops").map(\.event.kind) == [.stateReset])
        #expect(try folder.files() == ["state.json", "state.json.corrupt-20261127T100000Z", "state.json.lock"])
    }

    // MARK: Save failures

    @Test func failedSavesAreCountedAndTurnHealthzUnhealthyAfterThree() async throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let metrics = SimwatchMetrics(now: { StateFixtures.now })
        let logs = CapturedLogs()
        let engine = Self.engine(folder.statePath, metrics: metrics, logs: logs)
        try await engine.start()
        metrics.recordCycle(succeeded: true, duration: .seconds(1), devices: 1)
        // A non-empty folder where the file is: every rename fails, even for root.
        try FileManager.default.removeItem(atPath: folder.statePath)
        try FileManager.default.createDirectory(atPath: folder.statePath + "/occupied", withIntermediateDirectories: true)

        _ = await engine.finishCycle(failure: "API unreachable")
        for attempt in 1...3 {
            #expect(metrics.currentHealth().isHealthy, "before failure \(attempt)")
            await engine.save()
            #expect(await engine.consecutiveSaveFailures == attempt)
        }
        guard case .unhealthy(let reason) = metrics.currentHealth() else {
            Issue.record("expected unhealthy after 3 failed saves")
            return
        }
        #expect(reason.hasPrefix("the state file could not be saved 3 times in a row; the last error: cannot save state file \(folder.statePath)"))
        #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains("simwatch_state_saves_total{result=\"failed\"} 3"))
        let errors = logs.records.filter { $0.level == .error && $0.message.hasPrefix("state not saved") }
        #expect(errors.count == 3)
        #expect(errors.last?.metadata["failures_in_a_row"]?.description == "3")
        // Alerts still go out meanwhile.
        #expect(await engine.pendingEntries(for: "ops").map(\.event.kind) == [.pollFailed])

        try FileManager.default.removeItem(atPath: folder.statePath)
        await engine.save()
        #expect(await engine.consecutiveSaveFailures == 0)
        #expect(metrics.currentHealth().isHealthy)
        #expect(try Self.onDisk(folder.statePath).outbox.map(\.event.kind) == [.pollFailed])
    }

    @Test func healthCheckSurvivesAnyTime() {
        for now in [Date(timeIntervalSince1970: 1e300), Date(timeIntervalSince1970: .nan), Date.distantFuture] {
            let check = HealthCheck(startedAt: Date(timeIntervalSince1970: -1e300), interval: .seconds(300),
                                    lastSuccess: Date(timeIntervalSince1970: -1e300))
            _ = check.evaluate(now: now)
            _ = HealthCheck(startedAt: Date(timeIntervalSince1970: -1e300), interval: .seconds(300)).evaluate(now: now)
        }
        #expect(EventFactory.test(at: Date(timeIntervalSince1970: 1e300)).kind == .test)
        #expect(EventFactory.test(at: Date(timeIntervalSince1970: .nan)).id.count == 16)
    }

    @Test func healthCheckCountsFailedSaves() {
        var check = HealthCheck(startedAt: StateFixtures.now, interval: .seconds(300), lastSuccess: StateFixtures.now)
        check.recordSave(failure: "disk full")
        check.recordSave(failure: "disk full")
        #expect(check.evaluate(now: StateFixtures.now).isHealthy)
        check.recordSave(failure: "disk\nfull")
        #expect(check.evaluate(now: StateFixtures.now) == .unhealthy(
            reason: "the state file could not be saved 3 times in a row; the last error: disk full"))
        check.recordSave(failure: nil)
        #expect(check.consecutiveFailedSaves == 0 && check.lastSaveFailure == nil)
        #expect(check.evaluate(now: StateFixtures.now).isHealthy)
        check.consecutiveFailedSaves = .max
        check.recordSave(failure: "again")
        #expect(check.consecutiveFailedSaves == .max)
    }
}
