import FlyingFox
import FlyingSocks
import Foundation
import Logging

/// A FlyingFox server started on a host and port, with the port it actually bound.
struct RunningHTTPServer: Sendable {
    let server: HTTPServer
    let task: Task<Void, any Error>
    let port: UInt16
    let stopping: LockedValue<Bool>

    /// Starts `handler` on `host:port` (port 0 picks a free port) and returns once it listens.
    static func start(
        host: String, port: UInt16, logger: Logger, handler: some HTTPHandler
    ) async throws -> RunningHTTPServer {
        let address = try socketAddress(host: host, port: port)
        // Handlers may sleep for injected delays; FlyingFox's default 15 s timeout would cut them short.
        let stopping = LockedValue(false)
        let config = HTTPServer.Configuration(
            address: address, timeout: 3600, logger: SwiftLogBridge(logger: logger, stopping: stopping)
        )
        let server = HTTPServer(config: config, handler: handler)
        let failure = LockedValue<(any Error)?>(nil)
        let task = Task {
            do { try await server.run() } catch {
                failure.set(error)
                throw error
            }
        }
        // Binding a socket is instant and a failure comes back as `failure`; the deadline only
        // guards against a server that never starts. It is generous because a busy test
        // process can leave this loop unscheduled for many seconds.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let address = await server.listeningAddress, let bound = address.port {
                ListenerTuning.disableNagle(port: bound)
                return RunningHTTPServer(server: server, task: task, port: bound, stopping: stopping)
            }
            if let error = failure.get() {
                throw SimulatorError.cannotListen(host: host, port: port, reason: "\(error)")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        task.cancel()
        throw SimulatorError.cannotListen(host: host, port: port, reason: "server did not start within 60 s")
    }

    /// Closes the listening socket and open connections, then waits for the server task to end.
    func stop() async {
        stopping.set(true)
        await server.stop(timeout: 0)
        task.cancel()
        _ = await task.result
    }

    private static func socketAddress(host: String, port: UInt16) throws -> any SocketAddress {
        let literal = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        do {
            if literal == "localhost" { return try sockaddr_in.inet(ip4: "127.0.0.1", port: port) }
            if literal.contains(":") { return try sockaddr_in6.inet6(ip6: literal, port: port) }
            return try sockaddr_in.inet(ip4: literal, port: port)
        } catch {
            throw SimulatorError.cannotListen(
                host: host, port: port, reason: "the host must be an IPv4 or IPv6 address or localhost"
            )
        }
    }
}

extension Socket.Address {
    var port: UInt16? {
        switch self {
        case let .ip4(_, port), let .ip6(_, port): port
        case .unix: nil
        }
    }
}

/// Errors from starting the simulator or the webhook sink.
public enum SimulatorError: Error, CustomStringConvertible, Equatable {
    case cannotListen(host: String, port: UInt16, reason: String)
    case notStarted

    public var description: String {
        switch self {
        case let .cannotListen(host, port, reason):
            "cannot listen on \(host):\(port): \(reason)"
        case .notStarted:
            "the server is not running: call start() first"
        }
    }
}

/// Routes FlyingFox's own log lines into swift-log, one level down: its per-connection
/// chatter (and clients hanging up) is noise for the simulator's users. Closing the
/// listening socket on `stop()` makes FlyingFox report a critical "disconnected" error,
/// which is expected then.
struct SwiftLogBridge: FlyingSocks.Logging {
    let logger: Logger
    let stopping: LockedValue<Bool>
    func logDebug(_ debug: @autoclosure () -> String) { logger.trace("\(debug())") }
    func logInfo(_ info: @autoclosure () -> String) { logger.trace("\(info())") }
    func logWarning(_ warning: @autoclosure () -> String) { logger.debug("\(warning())") }
    func logError(_ error: @autoclosure () -> String) { logger.debug("\(error())") }
    func logCritical(_ critical: @autoclosure () -> String) {
        if stopping.get() { logger.debug("\(critical())") } else { logger.error("\(critical())") }
    }
}

/// A value behind a lock, for the few places an actor hop would be awkward (clocks, start-up).
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
    func withValue<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
}

/// Turns Nagle's algorithm off for the server's connections.
///
/// FlyingFox writes a response's head and body in two writes; with Nagle on, the body waits
/// for the client's delayed ACK, which made every answer on a kept-alive connection take
/// 40 ms (at most ~22 requests a second, and a 2,000-page Search Devices listing 90 s).
/// FlyingFox does not expose its socket, so the listening socket is found by its port;
/// Linux passes TCP_NODELAY on to the connections it accepts.
enum ListenerTuning {
    static func disableNagle(port: UInt16) {
        #if os(Linux)
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let highest = Int32(clamping: min(limit.rlim_cur, 65_536))
        for descriptor in stride(from: Int32(3), to: highest, by: 1) where isListener(descriptor, port: port) {
            var on: Int32 = 1
            _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        }
        #endif
    }

    /// Whether the listening socket for `port` has TCP_NODELAY set; `nil` when none is found.
    static func nagleDisabled(port: UInt16) -> Bool? {
        #if os(Linux)
        for descriptor in stride(from: Int32(3), to: 65_536, by: 1) where isListener(descriptor, port: port) {
            var value: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &value, &size) == 0 else { return nil }
            return value != 0
        }
        #endif
        return nil
    }

    #if os(Linux)
    private static func isListener(_ descriptor: Int32, port: UInt16) -> Bool {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { return false }
        let boundPort: UInt16
        switch Int32(storage.ss_family) {
        case AF_INET:
            boundPort = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
        case AF_INET6:
            boundPort = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
        default:
            return false
        }
        guard boundPort == port else { return false }
        var listening: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0 && listening == 1
    }
    #endif
}
