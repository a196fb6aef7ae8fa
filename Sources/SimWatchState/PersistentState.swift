import Foundation
import SimWatchCore

/// Everything simwatch remembers between cycles and restarts: the contents of the state file.
///
/// Keys are snake_case; `last` keeps Control Center's own field names. The file refers to
/// webhooks by name only: it never holds a URL, key or token.
public struct PersistentState: Codable, Sendable, Equatable {
    /// The schema this build writes and the newest it can read.
    public static let currentSchemaVersion = 1
    /// How many dead letters are kept; older ones are dropped first.
    public static let deadLetterLimit = 1_000

    public var schemaVersion: Int
    /// A random value made with each new or reset state file; every event id mixes it in,
    /// so ids never repeat after a reset. Empty until the engine assigns one at start
    /// (a file written before epochs existed gets one then, and keeps it).
    public var epoch: String
    /// Poll cycles run so far; daemon-level event ids use it.
    public var cycle: Int
    /// Per-device memory, by ICCID.
    public var devices: [String: DeviceRecord]
    public var health: Health
    /// Events not yet delivered to every webhook that wants them, oldest first.
    public var outbox: [OutboxEntry]
    /// Deliveries given up on, oldest first; at most `deadLetterLimit`.
    public var deadLetters: [DeadLetter]
    /// The account's SIMs as Search Devices listed them, by ICCID (empty without discovery or feed).
    public var inventory: [String: InventoryEntry]
    /// The change feed's watermark.
    public var feed: FeedState
    /// The last day's events, cycles and failed polls, and the last digest (key `insight`).
    public var activity = ActivityLog()

    public init(
        schemaVersion: Int = PersistentState.currentSchemaVersion, epoch: String = "", cycle: Int = 0,
        devices: [String: DeviceRecord] = [:], health: Health = Health(),
        outbox: [OutboxEntry] = [], deadLetters: [DeadLetter] = [],
        inventory: [String: InventoryEntry] = [:], feed: FeedState = FeedState()
    ) {
        self.inventory = inventory
        self.feed = feed
        self.schemaVersion = schemaVersion
        self.epoch = epoch
        self.cycle = cycle
        self.devices = devices
        self.health = health
        self.outbox = outbox
        self.deadLetters = deadLetters
    }

    /// A new random epoch: 32 hex digits (128 bits from the system's secure generator).
    public static func newEpoch() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    package enum CodingKeys: String, CodingKey {
        case epoch, cycle, devices, health, outbox, inventory, feed
        case schemaVersion = "schema_version"
        case deadLetters = "dead_letters"
    }
}

/// Whether whole cycles are failing, for `poll_failed` / `poll_recovered`.
public struct Health: Codable, Sendable, Equatable, Hashable {
    public var consecutiveFailedCycles: Int
    public var lastSuccessfulCycleAt: Date?
    /// `poll_failed` was raised and `poll_recovered` not yet.
    public var pollFailedRaised: Bool

    public init(consecutiveFailedCycles: Int = 0, lastSuccessfulCycleAt: Date? = nil, pollFailedRaised: Bool = false) {
        self.consecutiveFailedCycles = consecutiveFailedCycles
        self.lastSuccessfulCycleAt = lastSuccessfulCycleAt
        self.pollFailedRaised = pollFailedRaised
    }

    package enum CodingKeys: String, CodingKey {
        case consecutiveFailedCycles = "consecutive_failed_cycles"
        case lastSuccessfulCycleAt = "last_successful_cycle_at"
        case pollFailedRaised = "poll_failed_raised"
    }
}

/// An event waiting for delivery to one or more webhooks.
///
/// Retry pacing is the lanes' and lives in memory (a restart tries again at once): older
/// files' `attempts` and `next_attempt_at` are read past, not kept.
public struct OutboxEntry: Codable, Sendable, Equatable, Hashable {
    public var event: Event
    /// Names of the webhooks still to deliver to; the entry leaves when this is empty.
    public var pendingWebhooks: [String]
    public var enqueuedAt: Date

    public init(event: Event, pendingWebhooks: [String], enqueuedAt: Date) {
        self.event = event
        self.pendingWebhooks = pendingWebhooks
        self.enqueuedAt = enqueuedAt
    }

    package enum CodingKeys: String, CodingKey {
        case event
        case pendingWebhooks = "pending_webhooks"
        case enqueuedAt = "enqueued_at"
    }
}

/// A delivery simwatch gave up on, kept for people to inspect.
public struct DeadLetter: Codable, Sendable, Equatable, Hashable {
    public var event: Event
    /// The webhook's name.
    public var webhook: String
    /// Why delivery stopped, e.g. `max_age 24h exceeded; last error: HTTP 500`. No URLs.
    public var reason: String
    public var at: Date

    public init(event: Event, webhook: String, reason: String, at: Date) {
        self.event = event
        self.webhook = webhook
        self.reason = reason
        self.at = at
    }
}
