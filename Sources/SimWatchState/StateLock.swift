#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One process per state file: an exclusive `flock` on `STATE_FILE.lock`, which records the holder's pid.
///
/// `flock` belongs to the open file description, so the lock lasts exactly as long as
/// the `StateLockHandle` and goes away with the process however it ends: a crash leaves
/// a lock file behind but never a held lock. The file itself is never removed, since
/// removing it would let two processes lock two different files of the same name.
public enum StateLock {
    /// The lock file of a state file: its path plus `.lock`.
    public static func lockPath(forStateFile path: String) -> String { path + ".lock" }

    /// The pid recorded in the state file's lock when a process holds it now; `nil` otherwise.
    ///
    /// For `simwatch reload` without `--pid`. `nil` also when the lock file is missing
    /// or unreadable, or records no pid.
    public static func holderPID(forStateFile path: String) -> Int32? {
        let fd = open(lockPath(forStateFile: path), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // A shared lock is refused only while someone holds the exclusive one.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return recordedPID(fd)
    }

    /// Takes the lock for this process and writes its pid into the lock file.
    ///
    /// Throws `StateLockError` when another process holds it, and `StateFolderError`
    /// when the lock file cannot be created or written (the folder is not writable).
    package static func acquire(forStateFile path: String) throws -> StateLockHandle {
        try acquire(forStateFile: path, lockPath: lockPath(forStateFile: path))
    }

    private static func acquire(forStateFile path: String, lockPath: String) throws -> StateLockHandle {
        let folder = StateFileSystem.split(path).folder
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StateFolderError(folder: folder, reason: "cannot create \(lockPath): \(StateFileSystem.errorTextWithName(errno))")
        }
        var result: Int32
        repeat { result = flock(fd, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        if result != 0 {
            let code = errno
            let holder = recordedPID(fd)
            close(fd)
            if code == EWOULDBLOCK { throw StateLockError(path: path, lockPath: lockPath, holderPID: holder) }
            throw StateFolderError(folder: folder, reason: "cannot lock \(lockPath): \(StateFileSystem.errorTextWithName(code))")
        }
        let text = Array("\(getpid())\n".utf8)
        let written = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == text.count, ftruncate(fd, off_t(text.count)) == 0 else {
            let reason = written < 0 ? StateFileSystem.errorTextWithName(errno) : "short write"
            close(fd)
            throw StateFolderError(folder: folder, reason: "cannot write the pid into \(lockPath): \(reason)")
        }
        return StateLockHandle(fd: fd, path: lockPath)
    }

    /// Takes an exclusive lock on `lockPath` for a short edit (the silences file), waiting up
    /// to `patience` while another process holds it; the holder's pid is recorded as above.
    ///
    /// Throws `StateLockError` when it is still held after `patience`, `StateFolderError`
    /// when the lock file cannot be created or written.
    package static func acquire(lockPath: String, guarding path: String, patience: Duration) throws -> StateLockHandle {
        let deadline = ContinuousClock.now + patience
        while true {
            do {
                return try acquire(forStateFile: path, lockPath: lockPath)
            } catch is StateLockError where ContinuousClock.now < deadline {
                usleep(20_000)
            }
        }
    }

    /// The pid at the start of the lock file; at most 32 bytes are read, whatever the file holds.
    private static func recordedPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return parsePID(String(decoding: buffer[..<count], as: UTF8.self))
    }

    /// A pid as the lock file records it: decimal digits, maybe a newline; never 0, 1 or
    /// negative, since `kill` would then signal a process group, init, or every process.
    public static func parsePID(_ text: String) -> Int32? {
        var digits = Substring(text)
        if digits.hasSuffix("\n") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let pid = Int32(digits), pid > 1 else { return nil }
        return pid
    }
}

/// A held state lock; releasing it (by dropping the last reference) closes the file.
package final class StateLockHandle: Sendable {
    private let fd: Int32
    package let path: String

    package init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }
}
