import CFileSync
import Foundation
import Testing
@testable import SimWatchMonitor
@testable import SimWatchState

@Suite("State store")
struct StateStoreTests {
    @Test("a missing file is a fresh start")
    func missingIsFresh() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let store = StateStore(path: folder.statePath, logger: CapturedLogs().logger)
        #expect(try store.load(now: StateFixtures.now) == .fresh)
    }

    @Test("save then load gives the same state; the file is 0600 and no temp file remains")
    func saveLoad() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let store = StateStore(path: folder.statePath, logger: CapturedLogs().logger)
        var state = StateFixtures.fullState()
        try store.save(state)
        state.cycle += 1
        try store.save(state)
        #expect(try folder.files() == ["state.json"])
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.statePath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try store.load(now: StateFixtures.now) == .loaded(state))
    }

    /// Past `writebackBytes` a save asks the disk to start on what it wrote; the file is
    /// still exactly what was written, chunk after chunk.
    @Test("a save larger than the writeback step writes every byte in order")
    func largeSaveWritesEveryByte() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let chunks = (0..<23).map { index in [UInt8](repeating: UInt8(index), count: 700_000 + index) }
        #expect(chunks.map(\.count).reduce(0, +) > 3 * Int(StateFileSystem.writebackBytes))
        _ = try StateFileSystem.writeAtomically(to: folder.statePath) { (write) throws(StateSaveError) in
            for chunk in chunks { try write(chunk) }
        }
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder.statePath))) == Array(chunks.joined()))
        #expect(try folder.files() == ["state.json"])
    }

    /// The shim reaches the kernel: a real descriptor is accepted, a closed one refused.
    @Test("starting writeback works on an open file and fails on a closed descriptor")
    func writebackReachesTheKernel() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let fd = open(folder.statePath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        #expect(write(fd, "state", 5) == 5)
        #expect(simwatch_start_writeback(fd, 0, 5) == 0)
        close(fd)
        #if os(Linux)
        #expect(simwatch_start_writeback(fd, 0, 5) == -1)
        #expect(errno == EBADF)
        #endif
    }

    @Test("a bare file name saves into the current folder")
    func bareNameSplits() {
        #expect(StateFileSystem.split("state.json") == (".", "state.json"))
        #expect(StateFileSystem.split("/state.json") == ("/", "state.json"))
        #expect(StateFileSystem.split("/var/lib/simwatch/state.json") == ("/var/lib/simwatch", "state.json"))
    }

    @Test("temp files left by a crashed save are removed at load; other files stay")
    func leftoverTempRemoved() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let logs = CapturedLogs()
        let store = StateStore(path: folder.statePath, logger: logs.logger)
        try store.save(StateFixtures.fullState())
        // Pids above Linux's largest pid_max (2^22): their writers are surely gone.
        for name in [".state.json.tmp-2147483000-456", ".state.json.tmp-2147483001-9", "notes.txt", ".other.json.tmp-1-1"] {
            #expect(FileManager.default.createFile(atPath: folder.path + "/" + name, contents: Data("partial".utf8)))
        }
        #expect(try store.load(now: StateFixtures.now) == .loaded(StateFixtures.fullState()))
        #expect(try folder.files() == [".other.json.tmp-1-1", "notes.txt", "state.json"])
        #expect(logs.records.filter { $0.message.contains("temp file") }.count == 2)
    }

    @Test("an unusable file is renamed aside with its bytes intact, logged at error", arguments: [
        "garbage", "truncated", "empty", "newer schema",
    ])
    func corruptSetAside(kind: String) throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let valid = StateCodec.encode(StateFixtures.fullState())
        let original: Data = switch kind {
        case "garbage": Data([0xFF, 0x00, 0x7B, 0x22])
        case "truncated": Data(valid[..<(valid.count / 2)])
        case "empty": Data()
        default: Data(String(decoding: valid, as: UTF8.self).replacingOccurrences(of: "\"schema_version\": 1", with: "\"schema_version\": 2").utf8)
        }
        #expect(FileManager.default.createFile(atPath: folder.statePath, contents: original))
        let logs = CapturedLogs()
        let store = StateStore(path: folder.statePath, logger: logs.logger)

        let result = try store.load(now: StateFixtures.now)

        let expectedPath = folder.statePath + ".corrupt-20261127T100000Z"
        #expect(result == .reset(corruptPath: expectedPath))
        #expect(try folder.files() == ["state.json.corrupt-20261127T100000Z"])
        #expect(FileManager.default.contents(atPath: expectedPath) == original)
        let errors = logs.records.filter { $0.level == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.metadata["moved_to"]?.description == expectedPath)
        #expect(try store.load(now: StateFixtures.now) == .fresh)
    }

    @Test("a second reset in the same second does not overwrite the first corrupt file")
    func corruptNameNotReused() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let store = StateStore(path: folder.statePath, logger: CapturedLogs().logger)
        for content in ["first", "second"] {
            #expect(FileManager.default.createFile(atPath: folder.statePath, contents: Data(content.utf8)))
            _ = try store.load(now: StateFixtures.now)
        }
        let base = folder.statePath + ".corrupt-20261127T100000Z"
        #expect(FileManager.default.contents(atPath: base) == Data("first".utf8))
        #expect(FileManager.default.contents(atPath: base + "-2") == Data("second".utf8))
    }

    @Test("a state path that cannot be read throws and is left in place")
    func unreadableThrows() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.statePath, withIntermediateDirectories: false)
        let store = StateStore(path: folder.statePath, logger: CapturedLogs().logger)
        #expect(throws: StateLoadError(path: folder.statePath, reason: "not a regular file")) {
            try store.load(now: StateFixtures.now)
        }
        #expect(try folder.files() == ["state.json"])
    }

    @Test("a file without read permission throws (not root only: root reads anything)", .enabled(if: geteuid() != 0))
    func permissionDeniedThrows() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        #expect(FileManager.default.createFile(atPath: folder.statePath, contents: Data("{}".utf8), attributes: [.posixPermissions: 0o000]))
        let store = StateStore(path: folder.statePath, logger: CapturedLogs().logger)
        #expect(throws: StateLoadError(path: folder.statePath, reason: "Permission denied")) {
            try store.load(now: StateFixtures.now)
        }
        #expect(try folder.files() == ["state.json"])
    }

    @Test("saving into a missing folder fails with a clear message and creates nothing")
    func saveIntoMissingFolder() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let path = folder.path + "/absent/state.json"
        let store = StateStore(path: path, logger: CapturedLogs().logger)
        let error = try #require(throws: StateSaveError.self) { try store.save(PersistentState()) }
        #expect(error.path == path)
        #expect(error.description.contains("folder \(folder.path)/absent does not exist"))
        #expect(try folder.files().isEmpty)
    }

    @Test("saving under a path whose parent is a regular file fails")
    func saveUnderAFile() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        #expect(FileManager.default.createFile(atPath: folder.path + "/plain", contents: Data()))
        let store = StateStore(path: folder.path + "/plain/state.json", logger: CapturedLogs().logger)
        let error = try #require(throws: StateSaveError.self) { try store.save(PersistentState()) }
        #expect(error.reason == "Not a directory")
        #expect(error.description.hasPrefix("cannot save state file \(folder.path)/plain/state.json: creating "))
    }

    @Test("a failed save keeps the old file intact and leaves no temp file")
    func failedSaveKeepsOldFile() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        // A name that fits the file system but whose temp name does not: the temp file
        // cannot be created, even as root, while the old file sits there.
        let path = folder.path + "/" + String(repeating: "s", count: 240) + ".json"
        let store = StateStore(path: path, logger: CapturedLogs().logger)
        let old = StateFixtures.fullState()
        #expect(FileManager.default.createFile(atPath: path, contents: Data(StateCodec.encode(old))))
        let before = FileManager.default.contents(atPath: path)

        let error = try #require(throws: StateSaveError.self) { try store.save(PersistentState()) }

        #expect(error.reason == "File name too long")
        #expect(FileManager.default.contents(atPath: path) == before)
        #expect(try folder.files().count == 1)
        #expect(try store.load(now: StateFixtures.now) == .loaded(old))
    }

    @Test("a save whose rename fails removes its temp file")
    func failedRenameRemovesTemp() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.statePath + "/occupied", withIntermediateDirectories: true)
        let store = StateStore(path: folder.statePath, logger: CapturedLogs().logger)
        let error = try #require(throws: StateSaveError.self) { try store.save(PersistentState()) }
        #expect(error.step.hasPrefix("renaming "))
        #expect(try folder.files() == ["state.json"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.statePath) == ["occupied"])
    }

    @Test("a read-only folder makes save fail (not root only: root writes anyway)", .enabled(if: geteuid() != 0))
    func readOnlyFolder() throws {
        let folder = try StateTestFolder()
        defer {
            chmod(folder.path, 0o700)
            folder.remove()
        }
        let store = StateStore(path: folder.statePath, logger: CapturedLogs().logger)
        try store.save(StateFixtures.fullState())
        #expect(chmod(folder.path, 0o500) == 0)
        #expect(throws: StateSaveError.self) { try store.save(PersistentState()) }
        #expect(try store.load(now: StateFixtures.now) == .loaded(StateFixtures.fullState()))
    }

    @Test("read() changes nothing: temp files stay, a bad file throws and stays")
    func readOnly() throws {
        let folder = try StateTestFolder()
        defer { folder.remove() }
        let store = StateStore(path: folder.statePath, logger: CapturedLogs().logger)
        #expect(try store.read() == nil)
        try store.save(StateFixtures.fullState())
        #expect(FileManager.default.createFile(atPath: folder.path + "/.state.json.tmp-1-2", contents: Data()))
        #expect(try store.read() == StateFixtures.fullState())
        #expect(FileManager.default.createFile(atPath: folder.statePath, contents: Data("{".utf8)))
        let error = try #require(throws: StateLoadError.self) { try store.read() }
        #expect(error.description.hasPrefix("cannot read state file \(folder.statePath): not a valid state file: line 1, column 2"))
        #expect(try folder.files() == [".state.json.tmp-1-2", "state.json"])
    }
}
