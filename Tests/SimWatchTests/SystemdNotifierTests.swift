import Foundation
import Testing
@testable import SimWatchDaemon

/// A bound Unix datagram socket playing systemd's side of `NOTIFY_SOCKET`.
private final class NotifySocket {
    let notifySocket: String
    private let descriptor: Int32
    private let path: String?

    /// Binds a filesystem socket in /tmp (short, to fit `sun_path`), or an abstract one.
    init(abstract: Bool = false) throws {
        let name = "simwatch-test-\(UInt32.random(in: .min ... .max))"
        notifySocket = abstract ? "@" + name : "/tmp/" + name + ".sock"
        path = abstract ? nil : notifySocket
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        // Built here rather than with the notifier's own helper, so a mistake there cannot hide.
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes: [UInt8] = abstract ? [0] + Array(name.utf8) : Array(notifySocket.utf8) + [0]
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    deinit {
        close(descriptor)
        if let path { unlink(path) }
    }

    /// The next datagram, waiting at most 2 s (it is normally queued before this is called).
    func receive() -> String? {
        var pollEntry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&pollEntry, 1, 2000) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

@Suite struct SystemdNotifierTests {
    @Test func noNotifierWithoutAUsableNotifySocket() {
        #expect(SystemdNotifier(environment: [:]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "run/relative.sock"]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "vsock:2:1234"]) == nil)
        let tooLong = "/tmp/" + String(repeating: "x", count: 120)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": tooLong]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/systemd/notify"]) != nil)
    }

    @Test func sendsEachStateAsOneDatagramToAPathSocket() throws {
        let receiver = try NotifySocket()
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.notifySocket]))

        #expect(notifier.ready())
        #expect(receiver.receive() == "READY=1")
        #expect(notifier.status("polling 42 devices\nnext cycle\r\nin 15m"))
        #expect(receiver.receive() == "STATUS=polling 42 devices next cycle in 15m")
        #expect(notifier.reloading(monotonicUsec: 123_456_789))
        #expect(receiver.receive() == "RELOADING=1\nMONOTONIC_USEC=123456789")
        #expect(notifier.stopping())
        #expect(receiver.receive() == "STOPPING=1")
        #expect(notifier.watchdog())
        #expect(receiver.receive() == "WATCHDOG=1")
        #expect(notifier.send("EXTEND_TIMEOUT_USEC=5000000"))
        #expect(receiver.receive() == "EXTEND_TIMEOUT_USEC=5000000")
    }

    @Test func reloadingStampsTheCurrentMonotonicTime() throws {
        let receiver = try NotifySocket()
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.notifySocket]))
        let before = SystemdNotifier.monotonicMicroseconds()
        #expect(notifier.reloading())
        let after = SystemdNotifier.monotonicMicroseconds()
        let datagram = try #require(receiver.receive())
        let lines = datagram.split(separator: "\n")
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.last.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) })
        #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
        #expect(before <= stamp && stamp <= after)
    }

    #if os(Linux)
    @Test func reachesAnAbstractSocket() throws {
        let receiver = try NotifySocket(abstract: true)
        #expect(receiver.notifySocket.hasPrefix("@simwatch-test-"))
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.notifySocket]))
        #expect(notifier.ready())
        #expect(receiver.receive() == "READY=1")
        #expect(notifier.status("ok"))
        #expect(receiver.receive() == "STATUS=ok")
    }
    #endif

    @Test func aMissingListenerIsReportedNotThrown() throws {
        let path = "/tmp/simwatch-test-absent-\(UInt32.random(in: .min ... .max)).sock"
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": path]))
        #expect(notifier.ready() == false)
    }

    @Test(.timeLimit(.minutes(1)))
    func aFullSocketQueueFailsFastInsteadOfBlocking() throws {
        let receiver = try NotifySocket()
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.notifySocket]))
        // Nobody reads, so the receive queue fills; a blocking send would hang here.
        var refused = false
        for _ in 0..<100_000 where !notifier.watchdog() {
            refused = true
            break
        }
        #expect(refused)
        #expect(receiver.receive() == "WATCHDOG=1")
    }
}

@Suite struct SystemdWatchdogTests {
    private let ownPID = "\(getpid())"

    @Test func watchdogIntervalComesFromWatchdogUsecForThisProcess() {
        let environment = ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": ownPID]
        #expect(SystemdNotifier.watchdogInterval(environment: environment) == .seconds(30))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "1500"]) == .microseconds(1500))
    }

    @Test func watchdogMeantForAnotherProcessIsIgnored() {
        let otherPID = "\(getpid() + 1)"
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": otherPID]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "x"]) == nil)
    }

    @Test(arguments: ["", "0", "-5", "30s", "1e6"])
    func unusableWatchdogUsecMeansNoWatchdog(value: String) {
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": value, "WATCHDOG_PID": "\(getpid())"]) == nil)
    }

    @Test func theNotifierExposesTheIntervalAndHalfOfItForPings() throws {
        let notifier = try #require(SystemdNotifier(environment: [
            "NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "20000000", "WATCHDOG_PID": ownPID,
        ]))
        #expect(notifier.watchdogInterval == .seconds(20))
        #expect(notifier.watchdogPingInterval == .seconds(10))
        let unwatched = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/systemd/notify"]))
        #expect(unwatched.watchdogInterval == nil)
        #expect(unwatched.watchdogPingInterval == nil)
    }
}

/// Hostile or broken `WATCHDOG_USEC` values: never a trap, never a spinning or endless ping loop.
@Suite struct SystemdWatchdogBoundsTests {
    private let ownPID = "\(getpid())"

    @Test(arguments: [
        "9223372036854775807", "18446744073709551615", "18446744073709551616", "99999999999999999999999",
        "604800000001", "999", " 5000000", "5000000 ", "5_000_000", "0x1000", "nan", "inf", "-0",
        "1e300", "\u{FF}\u{FE}", "٥٠٠٠٠٠٠",
    ])
    func outOfRangeOrGarbageIsIgnoredWithAWarning(value: String) {
        let environment = ["WATCHDOG_USEC": value, "WATCHDOG_PID": ownPID]
        #expect(SystemdNotifier.watchdogInterval(environment: environment) == nil)
        let warning = SystemdNotifier.watchdogWarning(environment: environment)
        #expect(warning?.contains("WATCHDOG_USEC") == true)
        #expect(warning?.contains(value) == false || value.isEmpty, "the warning should not echo the environment")
    }

    @Test func theEdgesOfTheRangeAreAccepted() {
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "1000"]) == .milliseconds(1))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "604800000000"]) == .seconds(604_800))
        #expect(SystemdNotifier.watchdogWarning(environment: ["WATCHDOG_USEC": "30000000"]) == nil)
    }

    @Test func noWarningWhenUnsetOrMeantForAnotherProcess() {
        #expect(SystemdNotifier.watchdogWarning(environment: [:]) == nil)
        #expect(SystemdNotifier.watchdogWarning(environment: ["WATCHDOG_USEC": "junk", "WATCHDOG_PID": "\(getpid() + 1)"]) == nil)
    }
}
