import FlyingFox
import FlyingSocks
import Foundation
import Logging
import SimWatchConfig
import Synchronization

/// Why the metrics endpoint could not be served; names the configured address.
public enum MetricsServerError: Error, Equatable, CustomStringConvertible {
    /// The address could not be bound, e.g. it is in use or not a local address.
    case cannotListen(address: String, reason: String)
    /// The server stopped by itself while the daemon was running.
    case stopped(address: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotListen(address, reason): "metrics.listen \(address): \(reason)"
        case let .stopped(address, reason): "metrics.listen \(address): the metrics server stopped: \(reason)"
        }
    }
}

/// A bound, serving metrics endpoint and the port it got (port 0 picks a free one).
public struct RunningMetricsServer: Sendable {
    /// The configured `host:port`, for messages.
    public let address: String
    /// The port actually bound.
    public let port: UInt16
    private let server: HTTPServer
    private let task: Task<Void, any Error>
    private let stopping: StopFlag

    /// Binds `listen` (`host:port`) and serves `/metrics` and `/healthz` from `metrics`.
    ///
    /// Returns once the socket listens; a bind failure throws `MetricsServerError.cannotListen`.
    public static func start(
        listen: String, metrics: SimwatchMetrics, logger: Logger
    ) async throws(MetricsServerError) -> RunningMetricsServer {
        let address: HostPort
        do {
            // The configuration's parser; port 0 (a free port) is for tests, which call this.
            address = try HostPort.parse(listen, allowPortZero: true)
        } catch {
            throw .cannotListen(address: listen, reason: error.message)
        }
        return try await start(address: address, listen: listen, metrics: metrics, logger: logger)
    }

    /// Binds `address`, as the configuration parsed it (`metrics.listen`), and serves as above.
    public static func start(
        address: HostPort, metrics: SimwatchMetrics, logger: Logger
    ) async throws(MetricsServerError) -> RunningMetricsServer {
        try await start(address: address, listen: address.description, metrics: metrics, logger: logger)
    }

    private static func start(
        address: HostPort, listen: String, metrics: SimwatchMetrics, logger: Logger
    ) async throws(MetricsServerError) -> RunningMetricsServer {
        let socketAddress = try Self.socketAddress(address, listen: listen)
        let stopping = StopFlag()
        let config = HTTPServer.Configuration(
            address: socketAddress, timeout: 30, logger: FlyingFoxLogBridge(logger: logger))
        let server = HTTPServer(config: config, handler: MetricsHTTPHandler(metrics: metrics))
        let failure = Mutex<(any Error)?>(nil)
        let task = Task {
            do { try await server.run() } catch {
                failure.withLock { $0 = error }
                throw error
            }
        }
        // FlyingFox binds inside run(); watch for either outcome rather than wait blind. A
        // failed bind comes back at once as `failure`; the generous deadline only guards
        // against a server that never starts, on a start-up pool busy with other work.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let bound = await server.listeningAddress, let port = bound.portNumber {
                return RunningMetricsServer(address: listen, port: port, server: server, task: task, stopping: stopping)
            }
            if let error = failure.withLock({ $0 }) {
                throw .cannotListen(address: listen, reason: Self.reason(error))
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
        task.cancel()
        throw .cannotListen(address: listen, reason: "the server did not start listening within 60 s")
    }

    /// Returns when the server ends: by `stop()`, by cancelling the caller (which stops
    /// it), or on its own, which throws `MetricsServerError.stopped`.
    public func waitUntilEnded() async throws(MetricsServerError) {
        let result = await withTaskCancellationHandler {
            await task.result
        } onCancel: { [stopping, server, task] in
            stopping.set()
            Task { await server.stop(timeout: 0) }
            task.cancel()
        }
        if case .failure(let error) = result, !stopping.isSet {
            throw .stopped(address: address, reason: Self.reason(error))
        }
    }

    /// Closes the listening socket and open connections, then waits for the server task to end.
    public func stop() async {
        stopping.set()
        await server.stop(timeout: 0)
        task.cancel()
        _ = await task.result
    }

    /// A socket error as a person reads it: `address already in use`.
    private static func reason(_ error: any Error) -> String {
        guard case let SocketError.failed(_, _, message) = error, let first = message.first else {
            return "\(error)"
        }
        return first.lowercased() + message.dropFirst()
    }

    private static func socketAddress(_ address: HostPort, listen: String) throws(MetricsServerError) -> any SocketAddress {
        do {
            switch address.family {
            case .ipv4: return try sockaddr_in.inet(ip4: address.ip, port: address.port)
            case .ipv6: return try sockaddr_in6.inet6(ip6: address.ip, port: address.port)
            }
        } catch {
            throw .cannotListen(address: listen, reason: "\(address.ip) is not an address this machine can bind")
        }
    }
}

/// Set once when shutting down, so the errors a closing socket causes are expected.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    package func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}

/// FlyingFox's log lines, one level down in swift-log: per-connection chatter is noise
/// for an operator, and its critical lines (a bind failure, the socket closing on stop)
/// reach the operator as `MetricsServerError` instead.
struct FlyingFoxLogBridge: FlyingSocks.Logging {
    package let logger: Logger
    package func logDebug(_ debug: @autoclosure () -> String) { logger.trace("\(debug())") }
    package func logInfo(_ info: @autoclosure () -> String) { logger.trace("\(info())") }
    package func logWarning(_ warning: @autoclosure () -> String) { logger.debug("\(warning())") }
    package func logError(_ error: @autoclosure () -> String) { logger.debug("\(error())") }
    package func logCritical(_ critical: @autoclosure () -> String) { logger.debug("\(critical())") }
}

extension Socket.Address {
    var portNumber: UInt16? {
        switch self {
        case let .ip4(_, port), let .ip6(_, port): port
        case .unix: nil
        }
    }
}
