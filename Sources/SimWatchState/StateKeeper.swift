import Foundation
import Logging
import SimWatchCore

/// Keeps the state file: holds its lock, decides when a save is due, writes off the
/// concurrency pool and counts the saves that failed.
///
/// The save policy of DESIGN.md: within `eventDelay` of new events, and at least every
/// `period` otherwise. A value kept by the engine's actor, so the policy sees events in
/// the same turn they are raised; the monotonic clock is injected, so the policy is
/// tested without waiting.
package struct StateKeeper: Sendable {
    /// New events are saved at most this long after they were raised.
    package static let eventDelay: Duration = .seconds(1)
    /// The state is saved at least this often.
    package static let period: Duration = .seconds(10)

    package let store: StateStore
    private let logger: Logger
    private let observer: (any EngineObserver)?
    private let now: @Sendable () -> ContinuousClock.Instant
    /// Held from `hold` for the keeper's life: one process per state file.
    private var lock: StateLockHandle?
    private var lastSave: ContinuousClock.Instant
    /// Events raised since the last save attempt.
    private var unsavedEvents = 0
    /// Saves failed in a row; `/healthz` turns unhealthy at `HealthCheck.failedSavesLimit`.
    package private(set) var consecutiveFailures = 0

    /// - Parameter now: the monotonic clock, injectable for tests.
    package init(
        path: String, logger: Logger, observer: (any EngineObserver)?,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.store = StateStore(path: path, logger: logger)
        self.logger = logger
        self.observer = observer
        self.now = now
        self.lastSave = now()
    }

    /// Takes the lock (unless held) and reads the state file; the caller `hold`s the lock.
    ///
    /// Throws `StateLockError` when another process holds the lock, `StateFolderError`
    /// when the lock cannot be made, `StateLoadError` when the file cannot be read at all.
    /// Loaded records key on the caller's own string for each ICCID in `knownICCIDs`.
    package func load(
        at wallNow: Date, knownICCIDs: KnownICCIDs = .none
    ) async throws -> (StateLockHandle, StateStore.LoadResult) {
        try await BlockingIO.run { [store, lock] () throws -> (StateLockHandle, StateStore.LoadResult) in
            // The read window's chunks and the parser's scratch are freed by now.
            defer { ProcessHeap.returnFreePages() }
            let held = try lock ?? StateLock.acquire(forStateFile: store.path)
            return (held, try store.load(now: wallNow, knownICCIDs: knownICCIDs))
        }
    }

    /// Keeps the lock `load` took.
    package mutating func hold(_ handle: StateLockHandle) {
        lock = handle
    }

    /// Lets go of the lock: another process may take the state file now.
    package mutating func release() {
        lock = nil
    }

    /// Notes events just raised: a save is due within `eventDelay`.
    package mutating func noteEvents(_ count: Int) {
        let (sum, overflow) = unsavedEvents.addingReportingOverflow(max(0, count))
        unsavedEvents = overflow ? .max : sum
    }

    /// Whether the policy asks for a save now.
    package var isDue: Bool {
        let sinceLast = now() - lastSave
        return sinceLast >= Self.period || (unsavedEvents > 0 && sinceLast >= Self.eventDelay)
    }

    /// A save starts: the policy counts from now. Returns the start, for `finished`.
    package mutating func starting() -> ContinuousClock.Instant {
        lastSave = now()
        unsavedEvents = 0
        return lastSave
    }

    /// Writes `state` off the concurrency pool.
    package func write(_ state: PersistentState) async -> StateSaveError? {
        await write(StateSnapshot(state))
    }

    /// Writes `snapshot` off the concurrency pool.
    package func write(_ snapshot: StateSnapshot) async -> StateSaveError? {
        do {
            try await BlockingIO.run { [store] () throws(StateSaveError) in
                // After the save has freed its sort keys and buffers.
                defer { ProcessHeap.returnFreePages() }
                try store.save(snapshot)
            }
            return nil
        } catch {
            return error
        }
    }

    /// Proves the folder writable off the concurrency pool without rewriting the file.
    package func probe() async -> StateSaveError? {
        await BlockingIO.run { [store] in StateFileSystem.probeWritable(store.path) }
    }

    /// Counts and logs a save's end; a failure is retried at the next save, the old file intact.
    package mutating func finished(started: ContinuousClock.Instant, error: StateSaveError?) {
        let duration = now() - started
        if let error {
            consecutiveFailures = consecutiveFailures.incrementedSaturating
            observer?.recordStateSave(duration: duration, succeeded: false, failure: error.description)
            logger.error("state not saved; keeping it in memory and retrying at the next save", metadata: [
                "error": "\(error)", "failures_in_a_row": "\(consecutiveFailures)",
            ])
            return
        }
        if consecutiveFailures > 0 {
            logger.info("state saved again", metadata: ["path": "\(store.path)", "failed_before": "\(consecutiveFailures)"])
            consecutiveFailures = 0
        }
        logger.debug("state saved", metadata: ["duration": "\(duration)"])
        observer?.recordStateSave(duration: duration, succeeded: true)
    }

    /// Saves the first state of a start; a failure means the folder cannot be written (exit 78).
    package mutating func proveWritable(started: ContinuousClock.Instant, error: StateSaveError?) throws(StateFolderError) {
        if let error {
            let reason = error.code.map(StateFileSystem.errorTextWithName) ?? error.reason
            throw StateFolderError(folder: StateFileSystem.split(store.path).folder, reason: "\(error.step) failed: \(reason)")
        }
        observer?.recordStateSave(duration: now() - started, succeeded: true)
    }
}
