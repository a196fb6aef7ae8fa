import CCurl
import Foundation

/// Carries what the transfer thread needs across the thread boundary; the engine itself is
/// created on that thread and never leaves it.
struct CurlEngineLauncher: Sendable {
    private let queue: TransferQueue
    private let idlePollMilliseconds: Int32
    let executor: CurlTaskExecutor

    /// Nil when libcurl could not give us a multi handle; the queue then refuses every request.
    init?(queue: TransferQueue, idlePoll: Duration) {
        guard queue.multi != nil else { return nil }
        self.queue = queue
        self.executor = CurlTaskExecutor(queue: queue)
        idlePollMilliseconds = Int32(min(max(1, idlePoll.components.seconds), 86_400) * 1_000)
    }

    func makeEngine() -> CurlEngine {
        CurlEngine(queue: queue, executor: executor, idlePollMilliseconds: idlePollMilliseconds)
    }
}

/// The transfer thread's loop: starts, cancels and completes transfers on one multi handle.
///
/// Confined to its thread. It sleeps in `curl_multi_poll` until a socket is ready, a libcurl
/// timer expires or a caller wakes it through the queue.
final class CurlEngine {
    private let multi: UnsafeMutableRawPointer
    private let queue: TransferQueue
    private let executor: CurlTaskExecutor
    private var transfers: [TransferID: CurlTransfer] = [:]
    /// Easy handles of finished transfers, kept for the next ones: setting up a handle per
    /// request costs more than the request's own parsing. Most are still set up for a request
    /// like the next one, which then only needs its URL.
    private var spares: [CurlTransfer] = []
    private static let maxSpares = 64

    /// Longest sleep without news; libcurl shortens it whenever one of its timers is due sooner.
    private let idlePollMilliseconds: Int32

    fileprivate init(queue: TransferQueue, executor: CurlTaskExecutor, idlePollMilliseconds: Int32) {
        // CurlEngineLauncher only exists when the handle does.
        self.multi = queue.multi!
        self.queue = queue
        self.executor = executor
        self.idlePollMilliseconds = idlePollMilliseconds
    }

    /// Runs until the queue delivers `shutDown`, then fails what is pending and frees the multi handle.
    ///
    /// Jobs of tasks that prefer this thread run between libcurl's turns; what they queue
    /// (the next request, a job resumed by a finished transfer) is taken before the thread
    /// sleeps, so a poll cycle runs here without a thread switch per request.
    func run() {
        queue.engineStarted()
        while true {
            guard turn() else { return }
            for job in queue.takeJobs() {
                job.runSynchronously(on: executor.asUnownedTaskExecutor())
                // A job that asked for a request has it sent before the next job runs:
                // the server works on it while this thread reads the previous answer.
                if queue.hasCommands {
                    guard turn() else { return }
                }
            }
            if queue.hasWork { continue }
            if curl_multi_poll(multi, nil, 0, idlePollMilliseconds, nil) != CURLM_OK {
                // Cannot happen with a valid handle; pause so a broken one cannot spin a core.
                usleep(10_000)
            }
        }
    }

    /// One turn of libcurl: starts and cancels what was asked for, moves every transfer on
    /// and resumes the callers of those that finished; false once `shutDown` stopped the engine.
    ///
    /// Always all three: an answer on loopback can arrive within the turn that sent its
    /// request, and a finished transfer left uncollected wakes no socket, so the thread
    /// would sleep through it until the idle timeout.
    private func turn() -> Bool {
        guard takeTransferCommands() else { return false }
        var running: Int32 = 0
        _ = curl_multi_perform(multi, &running)
        collectCompleted()
        return true
    }

    /// Starts and cancels what was asked for; false once `shutDown` has stopped the engine.
    private func takeTransferCommands() -> Bool {
        for command in queue.takeCommands() {
            switch command {
            case let .start(id, request, continuation):
                start(id: id, request: request, continuation: continuation)
            case let .cancel(id):
                if let transfer = transfers[id] {
                    retire(transfer, with: .failure(CancellationError()))
                }
            case .shutDown:
                stop()
                return false
            }
        }
        return true
    }

    private func start(id: TransferID, request: TransferRequest, continuation: ResponseContinuation) {
        guard let (transfer, isShaped) = spareTransfer(for: request) else {
            queue.markFinished(id)
            continuation.resume(throwing: CurlGlobal.unavailableError)
            return
        }
        transfer.begin(id: id, request: request, continuation: continuation)
        do {
            if isShaped {
                try transfer.retarget()
            } else {
                try transfer.configure(with: request)
            }
        } catch {
            queue.markFinished(id)
            transfer.resume(with: .failure(error))
            recycle(transfer)
            return
        }
        let added = curl_multi_add_handle(multi, transfer.easy)
        guard added == CURLM_OK else {
            queue.markFinished(id)
            let message = String(cString: curl_multi_strerror(added))
            transfer.resume(with: .failure(HTTPClientError.transport(code: Int(added.rawValue), message: message)))
            recycle(transfer)
            return
        }
        transfers[id] = transfer
    }

    /// A kept handle set up for a request of this shape (`isShaped`), else one cleared for a
    /// new set-up, else a new one; nil when libcurl cannot make one.
    private func spareTransfer(for request: TransferRequest) -> (transfer: CurlTransfer, isShaped: Bool)? {
        // The latest first: with one shape of request, the search ends at its first look.
        if let index = spares.lastIndex(where: { $0.isShaped(for: request) }) {
            return (spares.remove(at: index), true)
        }
        if let spare = spares.popLast() {
            spare.clear()
            return (spare, false)
        }
        return curl_easy_init().map { (CurlTransfer(easy: $0), false) }
    }

    private func collectCompleted() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE,
                  let context = simwatch_curl_context(message.pointee.easy_handle)
            else { continue }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            retire(transfer, with: transfer.outcome(of: simwatch_curl_message_result(message)))
        }
    }

    /// Takes the transfer off the multi handle, resumes its caller and frees its handle.
    private func retire(_ transfer: CurlTransfer, with outcome: Result<HTTPResponse, any Error>) {
        _ = curl_multi_remove_handle(multi, transfer.easy)
        transfers[transfer.id] = nil
        queue.markFinished(transfer.id)
        transfer.resume(with: outcome)
        recycle(transfer)
    }

    /// Ends the transfer's request and keeps its handle for a later one.
    private func recycle(_ transfer: CurlTransfer) {
        transfer.finish()
        if spares.count < Self.maxSpares {
            spares.append(transfer)
        } else {
            transfer.close()
        }
    }

    private func stop() {
        for transfer in transfers.values {
            retire(transfer, with: .failure(HTTPClientError.shutDown))
        }
        for spare in spares { spare.close() }
        spares.removeAll()
        _ = curl_multi_cleanup(multi)
        // The callers just failed, and any task that preferred this thread, go on elsewhere.
        for job in queue.engineStopped() { globalConcurrentExecutor.enqueue(job) }
    }
}

/// The transfer thread as a task executor: a task that prefers it runs its code, and that of
/// default actors it calls, between libcurl's turns instead of on the Swift pool.
///
/// A request and its answer then stay on one thread: no wakeup of the transfer thread to
/// start it, none of a pool thread to resume its caller. Only for work that never blocks.
final class CurlTaskExecutor: TaskExecutor {
    private let queue: TransferQueue

    init(queue: TransferQueue) {
        self.queue = queue
    }

    func enqueue(_ job: consuming ExecutorJob) {
        queue.submit(UnownedJob(job))
    }
}
