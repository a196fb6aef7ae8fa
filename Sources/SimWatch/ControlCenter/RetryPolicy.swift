/// How often and how patiently a failed call is tried again.
public struct RetryPolicy: Sendable {
    /// Total tries, the first included.
    public var attempts: Int
    /// Delay before the second try; it doubles for each further one.
    public var baseDelay: Duration
    /// Longest delay between two tries.
    public var maxDelay: Duration
    /// Random spread around each delay, as a fraction (0.2 = ±20 %).
    public var jitter: Double

    public init(attempts: Int = 3, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30), jitter: Double = 0.2) {
        self.attempts = attempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
    }

    /// The delay before try number `attempt + 1` (attempt counts from 1), with jitter.
    public func delay(after attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let nominal = min(baseDelay * (1 << exponent), maxDelay)
        let factor = 1 + Double.random(in: -jitter...jitter)
        return nominal * factor
    }
}
