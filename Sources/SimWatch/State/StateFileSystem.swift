#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The POSIX calls behind `StateStore`, kept apart so the store reads as policy.
///
/// Plain system calls rather than FileManager: the store must tell "missing" from
/// "forbidden", control fsync and file modes, and write tens of megabytes quickly.
enum StateFileSystem {
    enum ReadOutcome {
        case missing
        case contents([UInt8])
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    static func readContents(path: String) throws(StateLoadError) -> ReadOutcome {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT { return .missing }
            throw StateLoadError(path: path, reason: errorText(code))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StateLoadError(path: path, reason: errorText(errno)) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw StateLoadError(path: path, reason: "not a regular file")
        }
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0) + 1)
        var filled = 0
        while true {
            if filled == bytes.count { bytes += [UInt8](repeating: 0, count: bytes.count) }
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

    /// Writes `bytes` to `path` atomically: temp file (0600) in the same folder, fsync, rename, fsync folder.
    ///
    /// Returns a warning when only the final folder fsync failed: the new file is in place
    /// then, so throwing would wrongly tell the caller the old one is.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(StateSaveError) -> String? {
        let (folder, name) = split(path)
        let tempPath = folder + "/" + tempPrefix(for: name) + "\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            let reason = code == ENOENT ? "folder \(folder) does not exist" : errorText(code)
            throw StateSaveError(path: path, step: "creating \(tempPath)", reason: reason)
        }
        func fail(_ step: String, _ code: Int32) -> StateSaveError {
            unlink(tempPath)
            return StateSaveError(path: path, step: step, reason: errorText(code))
        }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                close(fd)
                throw fail("writing \(tempPath)", code)
            }
            written += count
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

    private static func syncFolder(_ folder: String) -> String? {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return "cannot open folder \(folder) to sync it: \(errorText(errno))" }
        defer { close(fd) }
        // EINVAL: the file system does not support syncing folders; nothing more to do.
        if fsync(fd) != 0, errno != EINVAL {
            return "cannot sync folder \(folder): \(errorText(errno))"
        }
        return nil
    }

    /// Removes temp files a crashed save left next to `path`; returns their paths.
    static func removeLeftoverTempFiles(of path: String) -> [String] {
        let (folder, name) = split(path)
        let prefix = tempPrefix(for: name)
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var removed: [String] = []
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            guard entryName.hasPrefix(prefix) else { continue }
            let entryPath = folder + "/" + entryName
            if unlink(entryPath) == 0 { removed.append(entryPath) }
        }
        return removed
    }

    /// Renames `path` to `target`; the caller picked a `target` that does not exist.
    static func renameAside(_ path: String, to target: String) throws(StateLoadError) {
        if rename(path, target) != 0 {
            throw StateLoadError(path: path, reason: "cannot set it aside as \(target): \(errorText(errno))")
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func tempPrefix(for name: String) -> String { "." + name + ".tmp-" }

    /// Folder and file name; a bare name lives in the current folder.
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }
}
