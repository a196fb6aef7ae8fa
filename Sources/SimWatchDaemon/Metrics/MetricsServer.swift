import Logging
import ServiceLifecycle
import SimWatchConfig

/// Serves `/metrics` (Prometheus text) and `/healthz` on `metrics.listen` while the daemon runs.
///
/// `run()` binds first and throws `MetricsServerError.cannotListen` at once when it
/// cannot (in a `ServiceGroup`, that ends the group with the error). It serves until
/// graceful shutdown or cancellation, then closes the socket.
public struct MetricsServer: Service {
    package let listen: String
    /// Set when built from the configuration, which has parsed `listen` already.
    package let address: HostPort?
    package let metrics: SimwatchMetrics
    package let logger: Logger
    let onListening: @Sendable (UInt16) -> Void

    /// - Parameters:
    ///   - listen: `host:port`, as `metrics.listen` holds it.
    ///   - onListening: called with the bound port once it listens (port 0 picks one).
    public init(
        listen: String, metrics: SimwatchMetrics, logger: Logger,
        onListening: @escaping @Sendable (UInt16) -> Void = { _ in }
    ) {
        self.listen = listen
        self.address = nil
        self.metrics = metrics
        self.logger = logger
        self.onListening = onListening
    }

    /// Serves on `metrics.listen` as the configuration parsed it: `check` and `run` agree.
    public init(
        address: HostPort, metrics: SimwatchMetrics, logger: Logger,
        onListening: @escaping @Sendable (UInt16) -> Void = { _ in }
    ) {
        self.listen = address.description
        self.address = address
        self.metrics = metrics
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let server = if let address {
            try await RunningMetricsServer.start(address: address, metrics: metrics, logger: logger)
        } else {
            try await RunningMetricsServer.start(listen: listen, metrics: metrics, logger: logger)
        }
        logger.info("metrics listening", metadata: [
            "listen": "\(listen)", "port": "\(server.port)", "paths": "/metrics /healthz",
        ])
        onListening(server.port)
        do {
            // Graceful shutdown cancels the wait, which stops the server.
            try await cancelWhenGracefulShutdown { try await server.waitUntilEnded() }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
