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

    public init(path: String, step: String, reason: String) {
        self.path = path
        self.step = step
        self.reason = reason
    }

    public var description: String {
        "cannot save state file \(path): \(step) failed: \(reason); the previous state file is unchanged"
    }
}

/// Why the contents of a state file could not be used; the file is then set aside.
struct StateFormatError: Error, CustomStringConvertible {
    var description: String
}
