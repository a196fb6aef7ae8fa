import Foundation
import Logging
import SimWatchCore

/// Reads and writes the state file: atomic saves, and a file that cannot be parsed is set aside, never deleted.
///
/// `save` does not create a missing folder: the state folder is made by systemd
/// (`StateDirectory=`) or by the operator, and a missing one is more likely a wrong
/// `state_file` than something to paper over. The error says so.
///
/// Both calls do blocking file I/O (tens of megabytes for 100,000 devices): callers on
/// the Swift concurrency pool should keep that in mind.
public final class StateStore: Sendable {
    /// What `load` found.
    public enum LoadResult: Sendable, Equatable {
        /// No state file: the first run.
        case fresh
        case loaded(PersistentState)
        /// The file could not be used and was renamed to `corruptPath`; raise `state_reset`.
        case reset(corruptPath: String)
    }

    public let path: String
    private let logger: Logger
    /// Files larger than this are not read (see `StateFileSystem.maxStateFileBytes`).
    let readLimit: Int

    public convenience init(path: String, logger: Logger) {
        self.init(path: path, logger: logger, readLimit: StateFileSystem.maxStateFileBytes)
    }

    /// With a smaller limit, for tests.
    package init(path: String, logger: Logger, readLimit: Int) {
        self.path = path
        self.logger = logger
        self.readLimit = readLimit
    }

    /// Loads the state file for the process that owns it (holding its `StateLock`),
    /// removing temp files left by crashed saves of processes that are gone.
    ///
    /// A file that is not valid state (garbage, truncated, empty, out-of-range numbers,
    /// larger than 1 GiB, or written by a newer simwatch with a higher `schema_version`) is renamed `<name>.corrupt-<UTC time>`,
    /// logged at error, and `.reset` is returned. A file that cannot be read at all
    /// (permissions, a folder in its place) throws instead: it is left where it is.
    /// Records key on the caller's own string for each ICCID in `knownICCIDs`.
    public func load(now: Date, knownICCIDs: KnownICCIDs = .none) throws(StateLoadError) -> LoadResult {
        let temps = StateFileSystem.removeLeftoverTempFiles(of: path)
        for removed in temps.removed {
            logger.info("removed temp file left by an interrupted save", metadata: ["path": "\(removed)"])
        }
        for kept in temps.kept {
            logger.warning("temp file of a running process (or of an unknown writer) left alone", metadata: ["path": "\(kept)"])
        }
        switch try decodeFile(knownICCIDs: knownICCIDs) {
        case .missing: return .fresh
        case .read(.success(let state)): return .loaded(state)
        case .read(.failure(.format(let error))): return try setAside(reason: error.description, now: now)
        case .read(.failure(.io(let error))): throw error
        case .tooLarge, .read(.failure(.tooLarge)):
            return try setAside(reason: "larger than \(readLimit) bytes: not a state file simwatch wrote", now: now)
        }
    }

    /// The file parsed as it is read, a chunk at a time (`StateCodec.loadChunkBytes`).
    private func decodeFile(
        knownICCIDs: KnownICCIDs = .none
    ) throws(StateLoadError) -> StateFileSystem.Opened<Result<PersistentState, StateCodec.DecodeFailure>> {
        try StateFileSystem.withFile(path: path, limit: readLimit) { size, source in
            Result { () throws(StateCodec.DecodeFailure) in
                try StateCodec.decode(limit: readLimit, sizeHint: size, knownICCIDs: knownICCIDs, from: source)
            }
        }
    }

    /// Renames the unusable file aside (never deletes it) and logs why.
    private func setAside(reason: String, now: Date) throws(StateLoadError) -> LoadResult {
        let target = Self.unusedCorruptPath(for: path, at: now)
        if let warning = try StateFileSystem.renameAside(path, to: target) {
            logger.warning("state file set aside but its folder could not be synced", metadata: [
                "path": "\(path)", "reason": "\(warning)",
            ])
        }
        logger.error(
            "state file unusable, set aside; starting a new baseline",
            metadata: ["path": "\(path)", "moved_to": "\(target)", "reason": "\(reason)"]
        )
        return .reset(corruptPath: target)
    }

    /// Reads the state file without changing anything: for `simwatch status` and other readers
    /// that run beside the daemon. `nil` when there is no file.
    ///
    /// Unlike `load`, a file that cannot be parsed throws (and stays where it is), and temp
    /// files are left alone: they may be a save in progress.
    ///
    /// Records key on the caller's own string for each ICCID in `knownICCIDs`.
    public func read(knownICCIDs: KnownICCIDs = .none) throws(StateLoadError) -> PersistentState? {
        switch try decodeFile(knownICCIDs: knownICCIDs) {
        case .missing:
            return nil
        case .read(.success(let state)):
            return state
        case .read(.failure(.format(let error))):
            throw StateLoadError(path: path, reason: "not a valid state file: \(error.description)")
        case .read(.failure(.io(let error))):
            throw error
        case .tooLarge, .read(.failure(.tooLarge)):
            throw StateLoadError(path: path, reason: "not a valid state file: larger than \(readLimit) bytes")
        }
    }

    /// Writes the state atomically (temp file 0600, fsync, rename, fsync folder).
    ///
    /// On failure the previous file is untouched and the temp file removed; log the error
    /// and save again later.
    public func save(_ state: PersistentState) throws(StateSaveError) {
        try save(StateSnapshot(state))
    }

    /// `save(_:)` for a snapshot the engine took.
    package func save(_ snapshot: StateSnapshot) throws(StateSaveError) {
        let warning = try StateFileSystem.writeAtomically(to: path) { (write) throws(StateSaveError) in
            try StateCodec.encode(snapshot, chunkBytes: StateCodec.saveChunkBytes, to: write)
        }
        if let warning {
            logger.warning("state saved but its folder could not be synced", metadata: ["path": "\(path)", "reason": "\(warning)"])
        }
    }

    /// `state.json.corrupt-20261127T100000Z`, with `-2`, `-3`… when that name is taken.
    static func unusedCorruptPath(for path: String, at now: Date) -> String {
        let base = path + ".corrupt-" + Timestamp.compactUTC(now)
        var candidate = base
        var suffix = 2
        while StateFileSystem.exists(candidate) {
            candidate = base + "-\(suffix)"
            suffix += 1
        }
        return candidate
    }
}
