#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SimWatchCore
import SimWatchState

/// The silences file on disk: read by the daemon, changed by `simwatch silence` under
/// its own lock (`FILE.lock`), always written atomically (temp file, fsync, rename,
/// folder fsync), so the daemon never reads half a file.
///
/// Blocking file I/O on small files: callers on the concurrency pool use `BlockingIO`.
public struct SilenceStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The lock `simwatch silence` holds while it changes the file.
    public var lockPath: String { path + ".lock" }

    /// The silences in the file; none when it does not exist.
    public func read() -> Result<[Silence], SilenceFileProblem> {
        let outcome: StateFileSystem.ReadOutcome
        do {
            outcome = try StateFileSystem.readContents(path: path, limit: SilenceFile.maxBytes)
        } catch {
            return .failure(.init("cannot read \(path): \(error.reason)"))
        }
        switch outcome {
        case .missing: return .success([])
        case .tooLarge: return .failure(.init("\(path): larger than \(SilenceFile.maxBytes) bytes; not read"))
        case .contents(let bytes):
            return SilenceFile.decode(bytes).mapError { .init("\(path): \($0.message)") }
        }
    }

    /// Reads the file under its lock, applies `change`, drops silences expired more than
    /// 7 days before `now`, and writes the result atomically; returns what `change` returned.
    ///
    /// A file that cannot be read or parsed is left alone: `change` is not applied.
    public func modify<T>(now: Date, _ change: (inout [Silence]) throws(SilenceFileProblem) -> T) throws(SilenceFileProblem) -> T {
        let lock: StateLockHandle
        do {
            lock = try StateLock.acquire(lockPath: lockPath, guarding: path, patience: .seconds(5))
        } catch let error as StateLockError {
            throw SilenceFileProblem("\(lockPath) is locked\(error.holderPID.map { " by pid \($0)" } ?? ""); try again")
        } catch {
            throw SilenceFileProblem("\(error)")
        }
        defer { withExtendedLifetime(lock) {} }
        var silences = try read().get()
        let result = try change(&silences)
        silences = SilenceFile.pruned(silences, now: now)
        do {
            // Readable by all (0644): `silence add` runs as root, the daemon as its own user,
            // and a silence holds no secret.
            _ = try StateFileSystem.writeAtomically(SilenceFile.encode(silences), to: path, mode: 0o644)
        } catch {
            throw SilenceFileProblem("cannot write \(path): \(error.step) failed: \(error.reason)")
        }
        return result
    }

    /// What identifies a version of the file (device, inode, size, modification time);
    /// `nil` when it does not exist. A rename over it changes the inode, an edit in place
    /// the time or size.
    public func fingerprint() -> FileFingerprint? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = info.st_mtimespec
        #else
        let modified = info.st_mtim
        #endif
        return FileFingerprint(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedSeconds: Int64(modified.tv_sec), modifiedNanoseconds: Int64(modified.tv_nsec))
    }
}

/// A file's identity and version as `stat` reports them.
public struct FileFingerprint: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    public var modifiedSeconds: Int64
    public var modifiedNanoseconds: Int64
}
