import SimWatchControlCenter
import Synchronization

/// One answer's effect on the cycle's tally.
enum PollCycleResult: Sendable {
    case polled(events: Int)
    case notFound(events: Int)
    case failed(ControlCenterError)
    case cancelled
}

/// What a cycle's pollers share: the next device to take, and the tally of what they did.
///
/// Devices are handed out in plan order. Once the credentials are rejected, the task is
/// cancelled or the shutdown gate closes, no further device is handed out.
final class PollTally: Sendable {
    struct Outcome: Sendable {
        var polled = 0
        var notFound = 0
        var failed = 0
        var events = 0
        var firstError: ControlCenterError?
        var credentialsRejected = false
        /// The gate closed before every device was handed out.
        var stoppedEarly = false
        var done = 0
        var next = 0
    }

    private let devices: Int
    private let state = Mutex(Outcome())

    init(devices: Int) {
        self.devices = devices
    }

    var outcome: Outcome { state.withLock { $0 } }

    /// The index of the next device to poll, or nil when the cycle is done or stops.
    func next(gateOpen: Bool) -> Int? {
        let cancelled = Task.isCancelled
        return state.withLock { state in
            guard state.next < devices, mayGoOn(&state, gateOpen: gateOpen, cancelled: cancelled) else { return nil }
            defer { state.next += 1 }
            return state.next
        }
    }

    /// Whether a request whose poll already has its account slot may go out: not once the
    /// credentials were rejected or the gate closed.
    func mayStart(gateOpen: Bool) -> Bool {
        gateOpen && !state.withLock(\.credentialsRejected)
    }

    /// Marks the credentials rejected as soon as the answer says so, before its account slot
    /// is given back: the poll waiting for that slot must not send another request.
    func answerFailed(_ error: ControlCenterError) {
        if case .invalidCredentials = error { state.withLock { $0.credentialsRejected = true } }
    }

    /// Whether a device already handed out may still be polled (after a spreading wait).
    func mayGoOn(gateOpen: Bool) -> Bool {
        let cancelled = Task.isCancelled
        return state.withLock { mayGoOn(&$0, gateOpen: gateOpen, cancelled: cancelled) }
    }

    private func mayGoOn(_ state: inout Outcome, gateOpen: Bool, cancelled: Bool) -> Bool {
        if state.credentialsRejected || cancelled { return false }
        if !gateOpen {
            state.stoppedEarly = true
            return false
        }
        return true
    }

    /// Counts one answer; returns how many devices are done.
    func record(_ result: PollCycleResult) -> Int {
        state.withLock { state in
            state.done += 1
            switch result {
            case .polled(let events):
                state.polled += 1
                state.events += events
            case .notFound(let events):
                state.notFound += 1
                state.events += events
            case .failed(let error):
                state.failed += 1
                state.firstError = state.firstError ?? error
                if case .invalidCredentials = error { state.credentialsRejected = true }
            case .cancelled:
                break
            }
            return state.done
        }
    }
}
