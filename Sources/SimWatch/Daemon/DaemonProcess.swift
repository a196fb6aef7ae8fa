import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds and signals the running daemon, for `simwatch reload`.
public enum DaemonProcess {
    /// The pid of the simwatch that holds `stateFile`'s lock, or `nil` when none does.
    ///
    /// Reads `STATE_FILE.lock`, which holds the holder's pid as decimal text (maybe followed by
    /// a newline), and accepts it only when that process is alive and, where `/proc` says so,
    /// is a simwatch: a lock file left by a crash must not aim a SIGHUP at whatever process
    /// got its pid since. A stand-in with the signature of `StateLock.holderPID(forStateFile:)`,
    /// which asks the lock itself; swap it for that.
    public static func lockHolderPID(forStateFile stateFile: String) -> Int32? {
        guard let data = FileManager.default.contents(atPath: stateFile + ".lock"), data.count <= 64,
              let pid = parsePID(String(decoding: data, as: UTF8.self)), isAlive(pid) else { return nil }
        if let name = processName(pid), name != "simwatch" { return nil }
        return pid
    }

    /// A pid as a lock file writes it: decimal digits, maybe a newline; never 0, 1 or negative,
    /// since `kill` would then signal a process group, init, or every process.
    public static func parsePID(_ text: String) -> Int32? {
        var digits = Substring(text)
        if digits.hasSuffix("\n") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let pid = Int32(digits), pid > 1 else { return nil }
        return pid
    }

    /// Sends SIGHUP to `pid`; the error says what to do about it.
    public static func sendReload(to pid: Int32) -> Result<Void, DaemonSignalError> {
        guard pid > 1 else { return .failure(DaemonSignalError(description: "process id \(pid) is not a daemon's")) }
        guard kill(pid, SIGHUP) == 0 else {
            let reason = errno
            let description = switch reason {
            case ESRCH: "no process with id \(pid): is simwatch running?"
            case EPERM: "not allowed to signal process \(pid): run this as the daemon's user or as root"
            default: "cannot signal process \(pid): \(String(cString: strerror(reason)))"
            }
            return .failure(DaemonSignalError(description: description))
        }
        return .success(())
    }

    private static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// `/proc/PID/comm` (the executable's name, at most 15 bytes), where there is one.
    private static func processName(_ pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/comm") else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Why the daemon could not be signalled.
public struct DaemonSignalError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
