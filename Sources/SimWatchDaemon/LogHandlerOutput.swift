import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes whole lines to a file descriptor, one `write(2)` per line under a lock.
///
/// One lock for everything that writes to stderr (log lines and the `once` progress line)
/// keeps concurrent writers from splicing their text into each other's lines.
public final class LineOutput: Sendable {
    /// Standard error, shared by every log handler and the progress line of this process.
    public static let standardError = LineOutput(fileDescriptor: STDERR_FILENO)

    /// The descriptor lines go to.
    public let fileDescriptor: Int32
    private let lock = NSLock()

    /// Wraps a descriptor this object does not own: it never closes it.
    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// Writes `text` as is; the caller includes the trailing newline.
    ///
    /// Errors are ignored: there is nowhere left to report that stderr is gone.
    public func write(_ text: String) {
        var bytes = Array(text.utf8)
        lock.lock()
        defer { lock.unlock() }
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            // A short write is rare (a full pipe or a signal); finishing the line keeps it whole.
            while offset < buffer.count {
                let written = systemWrite(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    /// Whether the descriptor is a terminal, so callers can decide to draw on it.
    public var isTerminal: Bool {
        isatty(fileDescriptor) == 1
    }

    /// Whether this descriptor is the journal stream systemd connected, per `JOURNAL_STREAM`.
    ///
    /// systemd sets `JOURNAL_STREAM=<device>:<inode>` for the stream it connects to a service's
    /// stdout/stderr. The variable is inherited (it leaks into desktop terminal sessions, for one),
    /// so it only counts when it names the very file this descriptor points at.
    public func isJournalStream(environment: [String: String]) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(fileDescriptor, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}

private func systemWrite(_ descriptor: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, pointer, count)
    #elseif canImport(Musl)
    Musl.write(descriptor, pointer, count)
    #else
    Darwin.write(descriptor, pointer, count)
    #endif
}

