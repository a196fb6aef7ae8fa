#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CFileSync

/// The POSIX calls behind `StateStore`, kept apart so the store reads as policy.
///
/// Plain system calls rather than FileManager: the store must tell "missing" from
/// "forbidden", control fsync and file modes, and write tens of megabytes quickly.
package enum StateFileSystem {
    package enum ReadOutcome {
        case missing
        case contents([UInt8])
        /// Larger than `maxStateFileBytes`: not read, since holding it could exhaust memory.
        case tooLarge
    }

    /// 1 GiB: about two million devices, twenty times the largest fleet simwatch is built for.
    static let maxStateFileBytes = 1 << 30

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// `Permission denied (EACCES)`: the text people read plus the name they search for.
    package static func errorTextWithName(_ code: Int32) -> String {
        guard let name = errnoNames[code] else { return errorText(code) }
        return errorText(code) + " (" + name + ")"
    }

    /// The errors a file system call in the state folder is likely to meet.
    private static let errnoNames: [Int32: String] = [
        EACCES: "EACCES", EPERM: "EPERM", EROFS: "EROFS", ENOENT: "ENOENT", ENOTDIR: "ENOTDIR",
        ENOSPC: "ENOSPC", EDQUOT: "EDQUOT", EIO: "EIO", EEXIST: "EEXIST", EISDIR: "EISDIR",
        ENAMETOOLONG: "ENAMETOOLONG", ELOOP: "ELOOP", EMFILE: "EMFILE", ENFILE: "ENFILE",
        EBUSY: "EBUSY", EINVAL: "EINVAL", EFBIG: "EFBIG", ETXTBSY: "ETXTBSY", EXDEV: "EXDEV",
    ]

    /// Opens `path` for reading: its descriptor (the caller closes it) and size, or nil when
    /// there is no file; throws when it cannot be opened or is not a regular file.
    private static func openRegularFile(_ path: String) throws(StateLoadError) -> (fd: Int32, size: Int)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw StateLoadError(path: path, reason: errorText(code))
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw StateLoadError(path: path, reason: errorText(code))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw StateLoadError(path: path, reason: "not a regular file")
        }
        return (fd, max(Int(info.st_size), 0))
    }

    package static func readContents(path: String, limit: Int = maxStateFileBytes) throws(StateLoadError) -> ReadOutcome {
        guard let (fd, size) = try openRegularFile(path) else { return .missing }
        defer { close(fd) }
        guard size <= limit else { return .tooLarge }
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var filled = 0
        while true {
            // The file may grow while it is read; past the limit it is as good as too large.
            if filled > limit { return .tooLarge }
            if filled == bytes.count {
                // Room for one byte past the limit is enough to tell that it was passed.
                bytes += [UInt8](repeating: 0, count: min(bytes.count, limit + 1 - filled))
            }
            let count = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw StateLoadError(path: path, reason: errorText(errno))
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return .contents(bytes)
    }

    /// What `withStateFile` found.
    package enum Opened<T> {
        case missing
        /// Larger than the limit: not read.
        case tooLarge
        case read(T)
    }

    /// Opens the regular file at `path` and hands `body` a source reading it a buffer at a
    /// time, and its size, so a caller can parse as it reads instead of holding the file.
    package static func withFile<T>(
        path: String, limit: Int = maxStateFileBytes,
        _ body: (_ size: Int, _ source: @escaping StateReadWindow.Source) -> T
    ) throws(StateLoadError) -> Opened<T> {
        guard let (fd, size) = try openRegularFile(path) else { return .missing }
        defer { close(fd) }
        guard size <= limit else { return .tooLarge }
        // The source must not outlive the descriptor: `body` runs before `close`.
        return .read(body(size) { (buffer) throws(StateLoadError) -> Int in
            while true {
                let count = read(fd, buffer.baseAddress, buffer.count)
                if count >= 0 { return count }
                if errno != EINTR { throw StateLoadError(path: path, reason: errorText(errno)) }
            }
        })
    }

    /// Writes `bytes` to `path` atomically: temp file (`mode`) in the same folder, fsync, rename, fsync folder.
    ///
    /// Returns a warning when only the final folder fsync failed: the new file is in place
    /// then, so throwing would wrongly tell the caller the old one is.
    ///
    /// `mode` is the file's (0600 unless given: the state file may hold names and labels
    /// only its owner should read).
    package static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(StateSaveError) -> String? {
        try writeAtomically(to: path, mode: mode) { (write) throws(StateSaveError) in try write(bytes) }
    }

    /// How much of a save is written before the disk is asked to start on it.
    static let writebackBytes: Int64 = 4 << 20

    /// `writeAtomically(_:to:)` for a file `produce` hands over in chunks, each written as it comes.
    static func writeAtomically(
        to path: String, mode: mode_t = 0o600,
        _ produce: (_ write: ([UInt8]) throws(StateSaveError) -> Void) throws(StateSaveError) -> Void
    ) throws(StateSaveError) -> String? {
        let folder = split(path).folder
        let (fd, tempPath) = try createTempFile(for: path, mode: mode)
        func fail(_ step: String, _ code: Int32) -> StateSaveError {
            unlink(tempPath)
            return StateSaveError(path: path, step: step, reason: errorText(code), code: code)
        }
        // The umask may have taken bits away; the caller's mode is what the file gets.
        if mode != 0o600, fchmod(fd, mode) != 0 {
            let code = errno
            close(fd)
            throw fail("setting the mode of \(tempPath)", code)
        }
        // Written to the file, and handed to the disk so far (`startWriteback`).
        var fileBytes: Int64 = 0, handedToDisk: Int64 = 0
        func writeChunk(_ bytes: [UInt8]) throws(StateSaveError) {
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeBytes { buffer in
                    write(fd, buffer.baseAddress! + written, buffer.count - written)
                }
                if count < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    throw fail("writing \(tempPath)", code)
                }
                written += count
            }
            fileBytes += Int64(bytes.count)
            // The disk writes a large file while the rest is encoded; the fsync below then
            // waits for the last few megabytes, not all of them (a 61 MB save waited 25 ms).
            // Only a hint: if it fails, the fsync still writes everything.
            if fileBytes - handedToDisk >= Self.writebackBytes {
                _ = simwatch_start_writeback(fd, handedToDisk, fileBytes - handedToDisk)
                handedToDisk = fileBytes
            }
        }
        do {
            try produce(writeChunk)
        } catch {
            close(fd)
            throw error
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            throw fail("syncing \(tempPath)", code)
        }
        if close(fd) != 0 { throw fail("closing \(tempPath)", errno) }
        if rename(tempPath, path) != 0 { throw fail("renaming \(tempPath) over it", errno) }
        return syncFolder(folder)
    }

    /// Creates a save's temp file next to `path`, named `.NAME.tmp-PID-RANDOM` (so that
    /// a crash's leftover is recognised and removed at the next start); its descriptor and path.
    static func createTempFile(for path: String, mode: mode_t) throws(StateSaveError) -> (fd: Int32, path: String) {
        let (folder, name) = split(path)
        let tempPath = folder + "/" + tempPrefix(for: name) + "\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let code = errno
            let reason = code == ENOENT ? "folder \(folder) does not exist" : errorText(code)
            throw StateSaveError(path: path, step: "creating \(tempPath)", reason: reason, code: code)
        }
        return (fd, tempPath)
    }

    static func syncFolder(_ folder: String) -> String? {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return "cannot open folder \(folder) to sync it: \(errorText(errno))" }
        defer { close(fd) }
        // EINVAL: the file system does not support syncing folders; nothing more to do.
        if fsync(fd) != 0, errno != EINVAL {
            return "cannot sync folder \(folder): \(errorText(errno))"
        }
        return nil
    }

    /// Removes temp files that crashed saves left next to `path`; returns their paths.
    ///
    /// Temp files are named `.NAME.tmp-PID-RANDOM`. One whose writer is still alive is
    /// left alone: it may be a save in progress (an old simwatch without the lock, or
    /// `status` racing a save). The caller holds the state lock, so a file with its own
    /// pid is a leftover of an earlier process that had the same pid (a container's pid 1).
    static func removeLeftoverTempFiles(of path: String) -> (removed: [String], kept: [String]) {
        let (folder, name) = split(path)
        let prefix = tempPrefix(for: name)
        guard let dir = opendir(folder) else { return ([], []) }
        defer { closedir(dir) }
        var removed: [String] = [], kept: [String] = []
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            guard entryName.hasPrefix(prefix) else { continue }
            let entryPath = folder + "/" + entryName
            guard let pid = writerPID(ofTempName: entryName.dropFirst(prefix.count)), !isAlive(pid) else {
                kept.append(entryPath)
                continue
            }
            if unlink(entryPath) == 0 { removed.append(entryPath) }
        }
        return (removed, kept)
    }

    /// The pid in `PID-RANDOM`; `nil` when the name does not follow that pattern.
    static func writerPID(ofTempName suffix: Substring) -> Int32? {
        guard let dash = suffix.firstIndex(of: "-"),
              let pid = Int32(suffix[..<dash]), pid > 0 else { return nil }
        return pid
    }

    /// Whether `pid` is a live process other than this one. EPERM means it exists but belongs to someone else.
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid != getpid() else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Renames `path` to `target` and syncs the folder, so the move survives a crash.
    ///
    /// The caller picked a `target` that does not exist. Returns a warning when only the
    /// folder sync failed: the file is set aside then, and saying otherwise would be wrong.
    static func renameAside(_ path: String, to target: String) throws(StateLoadError) -> String? {
        if rename(path, target) != 0 {
            throw StateLoadError(path: path, reason: "cannot set it aside as \(target): \(errorText(errno))")
        }
        return syncFolder(split(path).folder)
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func tempPrefix(for name: String) -> String { "." + name + ".tmp-" }

    /// Folder and file name; a bare name lives in the current folder.
    package static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }
}
