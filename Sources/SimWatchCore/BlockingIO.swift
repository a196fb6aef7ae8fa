import Dispatch

/// Runs blocking work (file writes, fsync) off the Swift concurrency pool.
///
/// The pool has one thread per core; a state save of 100,000 devices must not hold one.
public enum BlockingIO {
    private static let queue = DispatchQueue(label: "simwatch.blocking-io")

    /// Runs `work` on a dedicated serial queue and resumes the caller with its result.
    public static func run<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(E) -> T in try work() })
            }
        }
        return try result.get()
    }
}
