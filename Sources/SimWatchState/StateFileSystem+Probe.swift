import Foundation

extension StateFileSystem {
    /// Proves that a save to `path` can create, write and sync its temp file, without
    /// rewriting the state file: for a start whose state is exactly what was just read.
    ///
    /// The probe is named like a save's temp file, so one a crash leaves behind is removed
    /// by the next start like any other leftover.
    static func probeWritable(_ path: String) -> StateSaveError? {
        let fd: Int32
        let tempPath: String
        do {
            (fd, tempPath) = try createTempFile(for: path, mode: 0o600)
        } catch {
            return error
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
