import SimWatchCore

/// The state file exists but simwatch may not touch it: it is neither read nor set aside.
///
/// Typically a permission problem, or a folder where the file should be. The daemon stops
/// with this message rather than start a new baseline over a file it could not read.
public struct StateLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// The OS reason, e.g. `Permission denied`.
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot read state file \(path): \(reason)" }
}

/// Saving the state failed; the previous state file is unchanged and no temp file is left.
///
/// The caller logs it and saves again at the end of the next cycle: the in-memory state
/// stays authoritative, so nothing is lost unless the process also stops before then.
public struct StateSaveError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// What was being done, e.g. `writing /var/lib/simwatch/.state.json.tmp-1234-1`.
    public var step: String
    /// The OS reason, e.g. `No space left on device`.
    public var reason: String
    /// The `errno` behind `reason`, when there is one.
    public var code: Int32?

    public init(path: String, step: String, reason: String, code: Int32? = nil) {
        self.path = path
        self.step = step
        self.reason = reason
        self.code = code
    }

    public var description: String {
        "cannot save state file \(path): \(step) failed: \(reason); the previous state file is unchanged"
    }
}

/// Why the contents of a state file could not be used; the file is then set aside.
package typealias StateFormatError = JSONFormatError

/// The state folder cannot be written, so simwatch must not start: a configuration error (exit 78).
///
/// `run` and `once` find this out before READY and before any API call, rather than
/// poll for hours and lose everything at the first save.
public struct StateFolderError: Error, Sendable, Equatable, CustomStringConvertible {
    public var folder: String
    /// The OS reason with its errno name, e.g. `Permission denied (EACCES)`.
    public var reason: String

    public init(folder: String, reason: String) {
        self.folder = folder
        self.reason = reason
    }

    public var description: String { "state folder \(folder) is not writable: \(reason)" }
}

/// Another process holds the state file's lock: two daemons on one file would undo each other's saves.
public struct StateLockError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The state file.
    public var path: String
    /// The lock file (`path` plus `.lock`).
    public var lockPath: String
    /// The holder's pid as recorded in the lock file; `nil` when it could not be read.
    public var holderPID: Int32?

    public init(path: String, lockPath: String, holderPID: Int32?) {
        self.path = path
        self.lockPath = lockPath
        self.holderPID = holderPID
    }

    public var description: String {
        let holder = holderPID.map { "another simwatch (pid \($0))" } ?? "another simwatch (pid unknown)"
        return "\(holder) is using state file \(path) (it holds \(lockPath)); stop it first, "
            + "or give this one its own state_file"
    }
}
