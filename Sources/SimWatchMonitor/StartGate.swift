import SimWatchCore
import Synchronization

/// Whether new polls may start: shutdown closes it, and work already under way finishes.
///
/// Unlike task cancellation, closing the gate does not reach into requests in flight: a
/// poll that was sent gets its answer, and the cycle stops starting new ones.
public final class StartGate: Sendable {
    private struct State {
        var open = true
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextID: UInt64 = 0
        /// Waits cancelled before their continuation was stored.
        var cancelled: Set<UInt64> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// True until `close()`.
    public var isOpen: Bool { state.withLock { $0.open } }

    /// Closes the gate for good and wakes everyone sleeping on it.
    public func close() {
        let waiters = state.withLock { state in
            state.open = false
            let all = state.waiters.values
            state.waiters = [:]
            return Array(all)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the gate is closed (or the task is cancelled).
    public func waitUntilClosed() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    guard state.open, state.cancelled.remove(id) == nil else { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    if state.open { state.cancelled.insert(id) }
                    return nil as CheckedContinuation<Void, Never>?
                }
                return waiter
            }
            waiter?.resume()
        }
    }

    /// Sleeps until `deadline` on `clock`, the gate closing, or cancellation, whichever comes first.
    public func sleep(until deadline: ContinuousClock.Instant, clock: MonotonicClock = .continuous) async {
        guard isOpen else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(until: deadline) }
            group.addTask { await self.waitUntilClosed() }
            await group.next()
            group.cancelAll()
        }
    }
}
