/// How often and how patiently a failed call is tried again.
///
/// Rate limiting has its own budget: a limited answer is the account's state, not the
/// device's, so it does not use up the tries meant for server and transport errors.
public struct RetryPolicy: Sendable {
    /// Total tries, the first included, for server and transport errors.
    public var attempts: Int
    /// Delay before the second try; it doubles for each further one.
    public var baseDelay: Duration
    /// Longest delay between two tries.
    public var maxDelay: Duration
    /// Random spread around each delay, as a fraction (0.2 = ±20 %).
    public var jitter: Double
    /// Rate-limited answers one request is retried after; one more fails it (DESIGN.md: 5).
    public var rateLimitRetries: Int
    /// The account's pause after a limited answer without Retry-After; it doubles per
    /// limited answer in a row.
    public var rateLimitBaseDelay: Duration
    /// The longest account pause, Retry-After included.
    public var rateLimitMaxDelay: Duration

    public init(
        attempts: Int = 3, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30),
        jitter: Double = 0.2, rateLimitRetries: Int = 5, rateLimitBaseDelay: Duration = .seconds(1),
        rateLimitMaxDelay: Duration = RetryAfter.controlCenterCap
    ) {
        self.attempts = attempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.rateLimitRetries = rateLimitRetries
        self.rateLimitBaseDelay = rateLimitBaseDelay
        self.rateLimitMaxDelay = rateLimitMaxDelay
    }

    /// The delay before try number `attempt + 1` (attempt counts from 1), with jitter.
    public func delay(after attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let nominal = min(baseDelay * (1 << exponent), maxDelay)
        let jitter = jitter.isFinite ? min(max(jitter, 0), 1) : 0
        let factor = 1 + Double.random(in: -jitter...jitter)
        return nominal * factor
    }
}
