import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Tells systemd about the daemon's state (`Type=notify`) without linking libsystemd.
///
/// Speaks the `sd_notify` protocol: one datagram of `KEY=value` lines, sent over an `AF_UNIX`
/// `SOCK_DGRAM` socket to `$NOTIFY_SOCKET`, which is a filesystem path or, with a leading `@`,
/// an abstract socket. Like `sd_notify`, each message uses a fresh socket, so nothing is held
/// open between calls and a systemd re-exec (which rebinds the socket) needs no reconnect.
/// Sending never blocks and never throws: a method returns whether the datagram went out and
/// logs a failure at debug level, because systemd being unreachable must not stop the daemon.
public final class SystemdNotifier: Sendable {
    /// How often systemd expects `WATCHDOG=1`, from `WATCHDOG_USEC`; nil when the watchdog is
    /// off or meant for another process (`WATCHDOG_PID`).
    public let watchdogInterval: Duration?

    private let address: sockaddr_un
    private let addressLength: socklen_t
    private let logger: Logger?

    /// A notifier for `$NOTIFY_SOCKET`; nil when it is unset, or is not an absolute path or `@name`.
    public init?(environment: [String: String], logger: Logger? = nil) {
        guard let target = environment["NOTIFY_SOCKET"], !target.isEmpty else { return nil }
        guard let (address, length) = Self.socketAddress(target) else {
            logger?.warning(
                "NOTIFY_SOCKET is not an absolute path or @abstract name that fits a Unix socket address; systemd will not be notified",
                metadata: ["notify_socket": .string(target)]
            )
            return nil
        }
        self.address = address
        self.addressLength = length
        self.logger = logger
        self.watchdogInterval = Self.watchdogInterval(environment: environment)
        if let warning = Self.watchdogWarning(environment: environment) {
            logger?.warning("\(warning)")
        }
    }

    /// Half the watchdog interval: how often to call `watchdog()`, as systemd recommends.
    public var watchdogPingInterval: Duration? {
        watchdogInterval.map { $0 / 2 }
    }

    /// `READY=1`: startup finished (and, after `reloading`, the reload finished).
    @discardableResult
    public func ready() -> Bool {
        send("READY=1")
    }

    /// `RELOADING=1` with the `CLOCK_MONOTONIC` time systemd needs for `Type=notify-reload`;
    /// follow with `ready()` once the new configuration is in use.
    @discardableResult
    public func reloading(monotonicUsec: UInt64 = SystemdNotifier.monotonicMicroseconds()) -> Bool {
        send("RELOADING=1\nMONOTONIC_USEC=\(monotonicUsec)")
    }

    /// `STOPPING=1`: shutdown has begun.
    @discardableResult
    public func stopping() -> Bool {
        send("STOPPING=1")
    }

    /// `STATUS=…`, the line `systemctl status` shows; line breaks become spaces since a
    /// newline would start a new key.
    @discardableResult
    public func status(_ line: String) -> Bool {
        let oneLine = line.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).joined(separator: " ")
        return send("STATUS=" + oneLine)
    }

    /// `WATCHDOG=1`: the daemon is alive.
    @discardableResult
    public func watchdog() -> Bool {
        send("WATCHDOG=1")
    }

    /// Sends `message` as one datagram, as is.
    @discardableResult
    public func send(_ message: String) -> Bool {
        let descriptor = Self.makeSocket()
        guard descriptor >= 0 else {
            logFailure(message, errorNumber: errno)
            return false
        }
        defer { close(descriptor) }
        var target = address
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { buffer in
                    sendto(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT), socketAddress, addressLength)
                }
            }
        }
        guard sent == bytes.count else {
            logFailure(message, errorNumber: sent < 0 ? errno : EMSGSIZE)
            return false
        }
        return true
    }

    /// Microseconds on `CLOCK_MONOTONIC`, the clock `MONOTONIC_USEC` refers to.
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }

    /// The watchdog interval `environment` asks `processID` to keep, if any.
    ///
    /// `WATCHDOG_PID`, when set, names the one process the watchdog is for: a child that
    /// inherited the variables must not ping on its parent's behalf.
    static func watchdogInterval(environment: [String: String], processID: pid_t = getpid()) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text),
              watchdogRange.contains(microseconds) else {
            return nil
        }
        if let pidText = environment["WATCHDOG_PID"] {
            guard let pid = pid_t(pidText), pid == processID else { return nil }
        }
        return .microseconds(Int64(microseconds))
    }

    /// The `WATCHDOG_USEC` values taken seriously: 1 ms to 7 days.
    ///
    /// Below, pinging would keep a core busy; above, the interval is no watchdog at all and
    /// would only overflow the sleeps derived from it. Anything else (garbage, zero, a sign,
    /// spaces) is ignored as if the watchdog were off, which `warnings` reports.
    static let watchdogRange: ClosedRange<UInt64> = 1_000...604_800_000_000

    /// Why the watchdog variables in `environment` were ignored, if they were set but unusable.
    public static func watchdogWarning(environment: [String: String], processID: pid_t = getpid()) -> String? {
        guard let text = environment["WATCHDOG_USEC"] else { return nil }
        if let pidText = environment["WATCHDOG_PID"], pid_t(pidText) != processID { return nil }
        guard watchdogInterval(environment: environment, processID: processID) == nil else { return nil }
        return "WATCHDOG_USEC is not a whole number of microseconds between 1000 (1 ms) and 604800000000 "
            + "(7 days); the watchdog is not pinged (got \(text.utf8.count) bytes)"
    }

    /// The `sockaddr_un` for a path (NUL-terminated) or an abstract name (leading NUL, no terminator).
    package static func socketAddress(_ target: String) -> (sockaddr_un, socklen_t)? {
        let abstract = target.hasPrefix("@")
        guard abstract || target.hasPrefix("/") else { return nil }
        let pathBytes: [UInt8] = abstract ? [0] + Array(target.utf8.dropFirst()) : Array(target.utf8) + [0]
        var address = sockaddr_un()
        guard pathBytes.count <= MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { destination in
            destination.copyBytes(from: pathBytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        return (address, socklen_t(pathOffset + pathBytes.count))
    }

    private static func makeSocket() -> Int32 {
        #if canImport(Darwin)
        let descriptor = socket(AF_UNIX, SOCK_DGRAM, 0)
        if descriptor >= 0 {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, O_NONBLOCK)
        }
        return descriptor
        #else
        // Close-on-exec so alert hooks or other children never inherit it; non-blocking so a
        // full systemd queue costs one lost message, not a stuck thread.
        return socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        #endif
    }

    private func logFailure(_ message: String, errorNumber: Int32) {
        let firstKey = message.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
        logger?.debug(
            "systemd notification not sent",
            metadata: ["notification": .string(firstKey), "error": .string(String(cString: strerror(errorNumber)))]
        )
    }
}
