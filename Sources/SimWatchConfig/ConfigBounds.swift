/// The range of every number in the configuration, as DESIGN.md "Configuration" gives them.
///
/// Values outside are configuration errors (exit 78, also on reload): bounding them here is
/// what lets the rest of simwatch do arithmetic on them without checking again.
public enum ConfigBounds {
    /// `control_center.timeout`: per request.
    public static let timeout = Duration.milliseconds(100)...Duration.seconds(5 * 60)
    /// `control_center.rate_limit`: requests started per second.
    public static let rateLimit = 0.001...100_000.0
    /// Above this `check` notes that Control Center may answer with rate limiting.
    public static let rateLimitNoteAbove = 5.0
    /// `control_center.concurrency`: requests in flight.
    public static let concurrency = 1...64
    /// `control_center.api_version`: the `vN` of the REST paths.
    public static let apiVersion = 1...99
    /// `poll.interval`.
    public static let pollInterval = Duration.seconds(1)...Duration.seconds(7 * 86_400)
    /// `poll.max_interval`: also at least `poll.interval`.
    public static let pollMaxInterval = Duration.seconds(1)...Duration.seconds(30 * 86_400)
    /// Percent thresholds: `0 < x <= 100000`.
    public static let maxPercent = 100_000.0
    /// Sizes, counts and seconds of plans and thresholds: at most 10^15 (1 PB of data), which
    /// leaves room for sums and products of them in `Int64`.
    public static let maxAmount: Int64 = 1_000_000_000_000_000
    /// `delivery.group_wait`.
    public static let groupWait = Duration.zero...Duration.seconds(10 * 60)
    /// `delivery.max_age`: more than 0, at least `group_wait`, at most this.
    public static let maxAge = Duration.seconds(30 * 86_400)
    /// `delivery.max_rate`: `0 < x <= 100` requests per second per webhook.
    public static let maxRate = 100.0
}
