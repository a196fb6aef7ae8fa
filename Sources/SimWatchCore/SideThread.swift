import Dispatch
import Foundation

/// A second thread for the other half of a job the caller splits in two: the state file's
/// save and load of 100,000 devices use both cores of a small box.
///
/// A thread of its own, not Dispatch's or the Swift pool's: the halves block while they
/// work, and the pool has one thread per core. The thread lives for one `withSideThread`
/// call and takes one piece of work at a time, so a job pays one thread start, not one
/// per piece.
package final class SideThread: @unchecked Sendable {
    // `@unchecked`: `work` is written by the caller only while the thread waits on
    // `workReady`, and read by the thread only between that wait and `workDone`; the
    // semaphores order the two.
    private var work: (() -> Void)?
    private var stopping = false
    private let workReady = DispatchSemaphore(value: 0)
    private let workDone = DispatchSemaphore(value: 0)
    /// With one core there is no second thread: `both` runs the halves one after the other.
    private let inline: Bool

    private init(inline: Bool) {
        self.inline = inline
    }

    /// Whether this machine can run two halves at once.
    package static var isWorthIt: Bool { ProcessInfo.processInfo.activeProcessorCount > 1 }

    /// Runs `body` with a side thread, then stops the thread.
    ///
    /// - Parameter parallel: `false` runs every `both` on the caller's thread alone (one
    ///   core, or a test of the single-thread path).
    @discardableResult
    package static func withSideThread<Result, E: Error>(
        parallel: Bool = isWorthIt, _ body: (SideThread) throws(E) -> Result
    ) throws(E) -> Result {
        let side = SideThread(inline: !parallel)
        if parallel { side.start() }
        defer { side.stop() }
        return try body(side)
    }

    /// Where to split `count` items into two halves, or `count` (no split) when not
    /// `parallel` or there are fewer than `minimum`: a thread's start is not worth it for a few.
    package static func splitPoint(_ count: Int, parallel: Bool = isWorthIt, minimum: Int = 4_096) -> Int {
        parallel && count >= max(minimum, 2) ? count / 2 : count
    }

    /// `count` elements made by index, the second half on a side thread when `parallel`
    /// and there are at least `minimum`. Each half makes its elements with a copy of
    /// `state` of its own (caches, say); `element` must only read what they share.
    package static func map<State, Element>(
        count: Int, parallel: Bool = isWorthIt, minimum: Int = 4_096, state: State, _ element: (inout State, Int) -> Element
    ) -> [Element] {
        let split = splitPoint(count, parallel: parallel, minimum: minimum)
        return Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            // Each half initializes its own elements in place: no copy of either made after.
            func fill(_ range: Range<Int>) {
                var state = state
                for index in range { (base + index).initialize(to: element(&state, index)) }
            }
            if split == count {
                fill(0..<count)
            } else {
                withSideThread(parallel: true) { side in
                    side.both({ fill(split..<count) }, alongside: { fill(0..<split) })
                }
            }
            initialized = count
        }
    }

    /// Runs `sideHalf` on the side thread while the caller runs `ownHalf`; returns when both are done.
    ///
    /// `sideHalf` must not touch what `ownHalf` changes: they run at the same time.
    @discardableResult
    package func both<Side, Own, E: Error>(
        _ sideHalf: () -> Side, alongside ownHalf: () throws(E) -> Own
    ) throws(E) -> (side: Side, own: Own) {
        var sideResult: Side?
        let own: Result<Own, E> = withoutActuallyEscaping(sideHalf) { sideHalf in
            if inline {
                sideResult = sideHalf()
                return Result { () throws(E) -> Own in try ownHalf() }
            }
            // The closure escapes to the thread only until `workDone`, which the thread
            // signals after dropping it: it is back before this block ends, as it must be.
            work = { sideResult = sideHalf() }
            workReady.signal()
            let own = Result { () throws(E) -> Own in try ownHalf() }
            workDone.wait()
            return own
        }
        return (sideResult!, try own.get())
    }

    private func start() {
        let thread = Thread { [self] in
            while true {
                workReady.wait()
                if stopping { break }
                work?()
                work = nil
                workDone.signal()
            }
        }
        thread.name = "simwatch-side"
        thread.start()
    }

    private func stop() {
        guard !inline else { return }
        stopping = true
        workReady.signal()
    }
}
