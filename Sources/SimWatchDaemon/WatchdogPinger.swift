import SimWatchCore
import SimWatchMonitor

/// Pings systemd's watchdog on a steady beat while every watched loop shows progress.
///
/// The poll loop only ticks between requests, so a slow answer or a Retry-After pause
/// would leave a gap as long as the wait itself. Pinging from here instead keeps the
/// pings at a fixed pace during such waits, and stops them (so systemd restarts the
/// daemon) only when a loop has been silent longer than any legitimate wait can last.
public struct WatchdogPinger: Sendable {
    /// One loop to watch and the longest silence it may legitimately keep.
    public struct Watched: Sendable {
        /// For the log line when it stalls, e.g. `poll`.
        public var name: String
        public var heartbeat: Heartbeat
        /// Silence longer than this means the loop is stuck.
        public var stallLimit: Duration

        public init(name: String, heartbeat: Heartbeat, stallLimit: Duration) {
            self.name = name
            self.heartbeat = heartbeat
            self.stallLimit = stallLimit
        }
    }

    /// The period between two checks (and pings): a quarter of the watchdog.
    public let every: Duration
    /// The loops whose progress each ping vouches for.
    public let watched: [Watched]
    private let ping: @Sendable () -> Void
    private let stalled: @Sendable (String) -> Void

    /// - Parameters:
    ///   - watchdog: systemd's `WatchdogSec`; pings go out at a quarter of it, so that a late
    ///     wake-up still keeps the gap under the half systemd recommends.
    ///   - stalled: called once per stall with the loop's name, e.g. to log it.
    public init(
        watchdog: Duration, watched: [Watched], ping: @escaping @Sendable () -> Void,
        stalled: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.every = max(watchdog / 4, .milliseconds(1))
        self.watched = watched
        self.ping = ping
        self.stalled = stalled
    }

    /// Pings now and then every `every`, until cancelled.
    ///
    /// - Parameter sleep: waits one period; injectable so tests run without the wall clock.
    public func run(sleep: @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }) async {
        var reported: Set<String> = []
        while !Task.isCancelled {
            let stale = watched.filter { !$0.heartbeat.isFresh(within: $0.stallLimit) }.map(\.name)
            if stale.isEmpty {
                ping()
                reported = []
            } else {
                for name in stale where reported.insert(name).inserted { stalled(name) }
            }
            await sleep(every)
        }
    }

    /// How long the poll loop may go without a tick: one request's worst case.
    ///
    /// A request is tried up to 3 times, each bounded by `timeout`, with up to 30 s of
    /// backoff between tries, and rate limiting may pause it 5 times for up to 30 s each;
    /// a minute is added for the rate limiter's queue and the engine's save.
    public static func pollStallLimit(timeout: Duration) -> Duration {
        let bounded = min(max(timeout, .zero), .seconds(3600))
        return bounded * 3 + .seconds(30) * 2 + .seconds(30) * 5 + .seconds(60)
    }
}

extension WatchdogPinger {
    /// The warning DESIGN.md asks for when one request's retries could outlast half the watchdog.
    ///
    /// Three tries of `timeout` plus the backoff between them (0.5 s and 1 s, +20 %) is the
    /// longest a single device keeps the poll loop waiting without rate limiting. The pinger
    /// keeps pinging through such waits, so this is advice, not a failure.
    public static func timeoutWarning(timeout: Duration, watchdog: Duration) -> String? {
        let bounded = min(max(timeout, .zero), .seconds(86_400))
        let worst = bounded * 3 + .milliseconds(1800)
        guard worst > watchdog / 2 else { return nil }
        return "control_center.timeout \(HumanFormat.duration(bounded)) × 3 tries plus backoff "
            + "(\(HumanFormat.duration(worst))) exceeds half of the systemd watchdog (WatchdogSec="
            + "\(HumanFormat.duration(watchdog))): raise WatchdogSec= in a drop-in or lower the timeout"
    }
}
