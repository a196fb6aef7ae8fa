import SimWatchState
import Synchronization

/// Per-webhook delivery counts since start, for logs, `status` and metrics.
public final class DeliveryCounters: Sendable {
    /// One webhook's counts.
    public struct Counts: Sendable, Equatable {
        /// Events that reached the webhook (2xx).
        public var delivered = 0
        /// Events whose attempt failed and will be tried again.
        public var retried = 0
        /// Events given up on (400/422 three times, 413 alone, or older than `max_age`).
        public var deadLettered = 0
        /// Older dead letters of this webhook pushed out of the state file by the 1,000 cap.
        public var deadLettersDropped = 0

        public init() {}
    }

    private let counts = Mutex<[String: Counts]>([:])
    /// Called after every change, e.g. to update metrics: (webhook, result, events).
    private let observer: (@Sendable (String, DeliveryResult, Int) -> Void)?

    public init(observer: (@Sendable (String, DeliveryResult, Int) -> Void)? = nil) {
        self.observer = observer
    }

    /// The counts of every webhook that has any (tests read them; the daemon uses the observer).
    package func snapshot() -> [String: Counts] {
        counts.withLock { $0 }
    }

    /// Counts dead letters the cap pushed out, by the webhook they were for.
    package func addDropped(_ letters: [DeadLetter]) {
        counts.withLock { all in
            for letter in letters { all[letter.webhook, default: Counts()].deadLettersDropped += 1 }
        }
    }

    /// All dead letters dropped by the cap since start.
    public var deadLettersDropped: Int {
        counts.withLock { $0.values.reduce(0) { $0 + $1.deadLettersDropped } }
    }

    package func add(_ result: DeliveryResult, events: Int, webhook: String) {
        counts.withLock { all in
            var entry = all[webhook] ?? Counts()
            switch result {
            case .delivered: entry.delivered += events
            case .retried: entry.retried += events
            case .deadLettered: entry.deadLettered += events
            }
            all[webhook] = entry
        }
        observer?(webhook, result, events)
    }
}

/// How one delivery attempt ended, as counted (and the `result` label of the delivery metrics).
public enum DeliveryResult: String, Sendable, CaseIterable {
    case delivered
    case retried
    case deadLettered = "dead_lettered"

    /// The result for a webhook's answer when it is final: a refusal (400, 422, 413) dead-letters.
    public init(_ outcome: DeliveryOutcome) {
        switch outcome {
        case .delivered: self = .delivered
        case .retry: self = .retried
        case .rejected, .tooLarge: self = .deadLettered
        }
    }
}
