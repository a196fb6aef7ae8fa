import CCurl
import Foundation

/// An `HTTPClient` that runs every transfer on one dedicated libcurl multi thread.
///
/// Callers suspend on a continuation while the transfer runs, so no Swift concurrency thread
/// ever waits for the network. Connections are cached and reused across requests; transfers
/// beyond the per-host connection cap wait for a free connection, and that wait counts towards
/// the request's timeout. Redirects are not followed, only `http` and `https` are allowed,
/// TLS verification stays on and the usual proxy environment variables are honoured.
public final class CurlHTTPClient: HTTPClient {
    private let queue: TransferQueue
    /// The transfer thread, for tasks that want their requests and answers handled on it;
    /// nil when libcurl could not be initialised.
    public let taskExecutor: (any TaskExecutor)?

    /// Creates a client and starts its transfer thread.
    ///
    /// - Parameters:
    ///   - maxConnectionsPerHost: connections open at once to one host; more transfers queue.
    ///   - maxConnections: connections open at once in total, and idle connections kept for reuse.
    public convenience init(maxConnectionsPerHost: Int = 8, maxConnections: Int = 64) {
        self.init(maxConnectionsPerHost: maxConnectionsPerHost, maxConnections: maxConnections, idlePoll: .seconds(5))
    }

    /// - Parameter idlePoll: the longest the transfer thread sleeps without news (whole
    ///   seconds, at least one); tests lengthen it so that a missed wakeup shows as a stall.
    package init(maxConnectionsPerHost: Int, maxConnections: Int, idlePoll: Duration) {
        queue = TransferQueue(
            maxConnectionsPerHost: max(1, maxConnectionsPerHost),
            maxConnections: max(1, maxConnections)
        )
        let launcher = CurlEngineLauncher(queue: queue, idlePoll: idlePoll)
        taskExecutor = launcher?.executor
        if let engine = launcher {
            let thread = Thread { engine.makeEngine().run() }
            thread.name = "simwatch-curl"
            thread.start()
        }
    }

    deinit {
        shutdown()
    }

    /// Performs the request on the transfer thread.
    ///
    /// Throws `HTTPClientError` for failed transfers and after `shutdown()`, or
    /// `CancellationError` when the calling task is cancelled (the transfer is abandoned).
    public func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        let id = queue.makeTransferID()
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                queue.submit(id: id, request: .http(request), continuation: continuation)
            }
        } onCancel: {
            queue.cancel(id: id)
        }
    }

    /// Sends an e-mail on the transfer thread, like `execute`; only this call allows the
    /// `smtp` and `smtps` protocols. `MailRequest.Security` says how the connection is
    /// protected. Throws `HTTPClientError` when the server refuses the login, a sender or
    /// recipient, or the message (libcurl's message says which), or `CancellationError`.
    public func send(_ mail: MailRequest) async throws -> MailReceipt {
        let id = queue.makeTransferID()
        let response = try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                queue.submit(id: id, request: .mail(mail), continuation: continuation)
            }
        } onCancel: {
            queue.cancel(id: id)
        }
        return MailReceipt(code: response.status)
    }

    /// Stops the transfer thread; pending and later requests fail with `HTTPClientError.shutDown`.
    ///
    /// Idempotent and non-blocking: the thread finishes on its own after failing what is pending.
    public func shutdown() {
        queue.shutDown()
    }
}
