/// Paces every request of one Control Center account: at most `rate` starts per second,
/// at most `concurrency` in flight, and a server-requested pause for everyone.
///
/// Starts are spaced `1/rate` apart, plus a 5 % margin, rather than allowed in bursts.
/// The margin is for the network: a request delayed on its way (a new connection, a
/// busy host) arrives closer to the next one, and Control Center counts arrivals.
/// So no one-second window at the server holds more than `rate` of them.
///
/// A start is granted only when the spacing has passed since the previous *actual*
/// start, checked after waking: a waiter woken late on a busy host pushes the next
/// start back instead of letting it catch up in a burst. Slots (concurrency) are
/// handed out in arrival order.
public actor AccountLimiter {
    /// Spacing beyond `1/rate` that absorbs network jitter.
    static let margin = 1.05
    private let spacing: Duration
    private let concurrency: Int
    private let clock = ContinuousClock()
    private var nextStart: ContinuousClock.Instant
    private var inFlight = 0
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextWaiterID: UInt64 = 0

    /// - Parameters:
    ///   - rate: requests started per second; must be positive.
    ///   - concurrency: requests in flight at once; at least 1.
    public init(rate: Double, concurrency: Int) {
        precondition(rate > 0 && concurrency >= 1, "validated by the configuration")
        spacing = .nanoseconds(Int64((1_000_000_000 * Self.margin / rate).rounded(.up)))
        self.concurrency = concurrency
        nextStart = clock.now
    }

    /// Waits for a free slot and the next start time; pair every success with `release()`.
    public func acquire() async throws {
        try await waitForPermit()
        do {
            while clock.now < nextStart {
                try await clock.sleep(until: nextStart)
            }
            nextStart = clock.now + spacing
        } catch {
            release()
            throw error
        }
    }

    /// Frees the slot taken by `acquire()`.
    public func release() {
        if waiters.isEmpty {
            inFlight -= 1
        } else {
            // The slot passes straight to the next waiter, so inFlight stays the same.
            waiters.removeFirst().continuation.resume()
        }
    }

    /// Holds every new start back for `duration` (a `Retry-After`).
    public func pause(for duration: Duration) {
        nextStart = max(nextStart, clock.now + duration)
    }

    /// Runs `body` inside a slot.
    public func withSlot<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        do {
            let value = try await body()
            release()
            return value
        } catch {
            release()
            throw error
        }
    }

    private func waitForPermit() async throws {
        try Task.checkCancellation()
        if inFlight < concurrency {
            inFlight += 1
            return
        }
        let id = nextWaiterID
        nextWaiterID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }
}
