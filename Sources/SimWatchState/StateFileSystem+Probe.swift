import Foundation

extension StateFileSystem {
    /// Proves that a save to `path` can create, write and sync its temp file, without
    /// rewriting the state file: for a start whose state is exactly what was just read.
    ///
    /// The probe is named like a save's temp file, so one a crash leaves behind is removed
    /// by the next start like any other leftover.
    static func probeWritable(_ path: String) -> StateSaveError? {
        let (folder, name) = split(path)
        let tempPath = folder + "/" + tempPrefix(for: name) + "\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            let reason = code == ENOENT ? "folder \(folder) does not exist" : errorText(code)
            return StateSaveError(path: path, step: "creating \(tempPath)", reason: reason, code: code)
        }
        defer { unlink(tempPath) }
        let byte: [UInt8] = [0x0A]
        let written = byte.withUnsafeBytes { write(fd, $0.baseAddress!, 1) }
        let code = written == 1 ? (fsync(fd) == 0 ? 0 : errno) : errno
        close(fd)
        guard code == 0 else {
            return StateSaveError(path: path, step: "writing \(tempPath)", reason: errorText(code), code: code)
        }
        return nil
    }
}
