import CCurl
import Foundation

/// Identifies one `execute` call across the caller side and the transfer thread.
typealias TransferID = UInt64

/// The continuation a caller waits on.
///
/// Unchecked, to spare an allocation per request: it is resumed exactly once, either by
/// `submit` when it refuses the request or by the transfer (`CurlTransfer.resume` clears it).
typealias ResponseContinuation = UnsafeContinuation<HTTPResponse, any Error>

/// What one transfer does: an HTTP request, or an e-mail to an SMTP server (which
/// answers with an `HTTPResponse` whose status is the server's last reply code).
enum TransferRequest: Sendable {
    case http(HTTPRequest)
    case mail(MailRequest)
}

/// Work handed from callers to the transfer thread.
enum TransferCommand: Sendable {
    case start(TransferID, TransferRequest, ResponseContinuation)
    case cancel(TransferID)
    case shutDown
}

/// The mailbox between callers and the transfer thread: the only state both sides touch.
///
/// Everything here is guarded by `lock`. `curl_multi_wakeup` is called while holding it, so
/// once the thread has taken the `shutDown` command no caller can touch the multi handle again
/// and the thread may free it.
final class TransferQueue: @unchecked Sendable {
    /// The libcurl multi handle (`CURLM*`); nil when libcurl could not be initialised.
    /// Created here, used and finally freed by the transfer thread.
    let multi: UnsafeMutableRawPointer?

    private let lock = NSLock()
    private var commands: [TransferCommand] = []
    /// Swift jobs of tasks that prefer the transfer thread (`CurlHTTPClient.taskExecutor`).
    private var jobs: [UnownedJob] = []
    /// Transfers submitted and not yet finished: a cancellation for any other ID has nothing to stop.
    private var inFlight: Set<TransferID> = []
    private var isShutDown = false
    private var lastID: TransferID = 0
    /// Whether the thread has been woken since it last took the commands: it will see every
    /// command queued meanwhile, so one wakeup (a syscall and a context switch) serves them all.
    private var wakeupPending = false
    /// The transfer thread, once it runs: what it queues for itself needs no wakeup, since it
    /// takes the commands again before it sleeps.
    private var engineThread: pthread_t?
    /// Set when the thread has stopped: jobs then go to the global executor, never lost.
    private var jobsGoGlobal = false

    init(maxConnectionsPerHost: Int, maxConnections: Int) {
        guard CurlGlobal.isInitialized, let multi = curl_multi_init() else {
            self.multi = nil
            isShutDown = true
            return
        }
        _ = simwatch_curl_multi_set_connection_limits(multi, maxConnectionsPerHost, maxConnections)
        _ = simwatch_curl_multi_set_connection_cache_size(multi, maxConnections)
        self.multi = multi
    }

    func makeTransferID() -> TransferID {
        lock.withLock {
            lastID += 1
            return lastID
        }
    }

    /// Queues a transfer, or fails it at once when the client is shut down or the task cancelled.
    func submit(id: TransferID, request: TransferRequest, continuation: ResponseContinuation) {
        let refusal: (any Error)? = lock.withLock {
            if isShutDown { return multi == nil ? CurlGlobal.unavailableError : HTTPClientError.shutDown }
            // Checked under the lock: a cancellation handler that ran before this point found
            // no in-flight ID and did nothing, so the flag is the only trace it leaves.
            if Task.isCancelled { return CancellationError() }
            inFlight.insert(id)
            enqueue(.start(id, request, continuation))
            return nil
        }
        if let refusal { continuation.resume(throwing: refusal) }
    }

    /// Asks the thread to abandon a transfer; does nothing if it is not in flight.
    func cancel(id: TransferID) {
        lock.withLock {
            guard !isShutDown, inFlight.contains(id) else { return }
            enqueue(.cancel(id))
        }
    }

    /// Queues a job to run on the transfer thread, or on the global executor once it has stopped.
    func submit(_ job: UnownedJob) {
        let runsHere = lock.withLock {
            if jobsGoGlobal { return false }
            jobs.append(job)
            wake()
            return true
        }
        if !runsHere { globalConcurrentExecutor.enqueue(job) }
    }

    /// Asks the thread to fail everything pending and stop; later calls do nothing.
    func shutDown() {
        lock.withLock {
            guard !isShutDown else { return }
            isShutDown = true
            enqueue(.shutDown)
        }
    }

    /// Called by the transfer thread when it starts: its own submissions need no wakeup.
    func engineStarted() {
        lock.withLock { engineThread = pthread_self() }
    }

    /// Called by the transfer thread as it stops: the jobs still queued, for the global
    /// executor; later jobs go there directly.
    func engineStopped() -> [UnownedJob] {
        lock.withLock {
            jobsGoGlobal = true
            engineThread = nil
            commands.removeAll()
            defer { jobs.removeAll() }
            return jobs
        }
    }

    /// Whether commands or jobs wait: the transfer thread then takes them before it sleeps.
    var hasWork: Bool {
        lock.withLock { !commands.isEmpty || !jobs.isEmpty }
    }

    /// Whether transfer commands wait (a job just asked for a request).
    var hasCommands: Bool {
        lock.withLock { !commands.isEmpty }
    }

    /// Called by the transfer thread: the jobs queued since the last call, in order.
    func takeJobs() -> [UnownedJob] {
        lock.withLock { Self.takeAll(&jobs, clearing: &wakeupPending) }
    }

    /// Called by the transfer thread: everything queued since the last call, in order.
    func takeCommands() -> [TransferCommand] {
        lock.withLock { Self.takeAll(&commands, clearing: &wakeupPending) }
    }

    /// Empties a queue (under `lock`): the thread is awake and will see what comes next.
    /// Nothing to hand over is the usual case between jobs: then no array changes hands.
    private static func takeAll<Item>(_ items: inout [Item], clearing wakeupPending: inout Bool) -> [Item] {
        wakeupPending = false
        if items.isEmpty { return [] }
        defer { items = [] }
        return items
    }

    /// Called by the transfer thread when a transfer's caller has been resumed.
    func markFinished(_ id: TransferID) {
        _ = lock.withLock { inFlight.remove(id) }
    }

    /// Must hold `lock`.
    private func enqueue(_ command: TransferCommand) {
        commands.append(command)
        wake()
    }

    /// Must hold `lock`.
    private func wake() {
        if let engineThread, pthread_equal(engineThread, pthread_self()) != 0 { return }
        // libcurl's wakeup is sticky: a poll entered after it returns at once.
        if let multi, !wakeupPending {
            wakeupPending = true
            _ = curl_multi_wakeup(multi)
        }
    }
}

/// Process-wide libcurl initialisation, run exactly once before the first handle is made.
enum CurlGlobal {
    /// `curl_global_init` is not thread-safe; a static let runs it once, under Swift's lazy-init lock.
    static let isInitialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    static let unavailableError = HTTPClientError.transport(
        code: Int(CURLE_FAILED_INIT.rawValue),
        message: "libcurl could not be initialised (out of memory?)"
    )
}
