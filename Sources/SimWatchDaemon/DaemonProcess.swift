import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Signals the running daemon, for `simwatch reload` (`StateLock.holderPID` finds it).
public enum DaemonProcess {
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
}

/// Why the daemon could not be signalled.
public struct DaemonSignalError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
