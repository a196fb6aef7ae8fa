import Foundation
import Logging
import Synchronization
import Testing
@testable import SimWatchCore
@testable import SimWatchState

/// The `Outbox` rules: deliverable after a save, delivered, dead letters, expiry.
@Suite struct OutboxTests {
    static let now = FormatFixtures.observedAt
    static func events(_ count: Int) -> [Event] { (1...count).map { FormatFixtures.statusChange($0) } }

    @Test("an event is deliverable only after a save attempt, and once per id")
    func deliverableAfterSave() {
        var outbox = Outbox()
        let events = Self.events(2)
        #expect(outbox.enqueue(events, at: Self.now) { _ in ["ops", "ops", "chat"] } == 2)
        #expect(outbox.enqueue(events, at: Self.now) { _ in ["ops"] } == 0, "an id already waiting is not queued twice")
        #expect(outbox.enqueue(Self.events(3), at: Self.now) { _ in [] } == 0, "no webhook wants it: not kept")
        #expect(outbox.entries.first?.pendingWebhooks == ["ops", "chat"])
        #expect(outbox.pending(for: "ops").isEmpty)
        #expect(outbox.pendingCount == 0)
        outbox.markSaved()
        #expect(outbox.pending(for: "ops").map(\.event.id) == events.map(\.id))
        outbox.markDelivered([events[0].id], webhook: "ops")
        #expect(outbox.pending(for: "ops").map(\.event.id) == [events[1].id])
        #expect(outbox.pendingCount == 2, "the first still waits for chat")
        outbox.markDelivered([events[0].id], webhook: "chat")
        #expect(outbox.pendingCount == 1)
    }

    @Test("expiry never before one attempt by this process, unless the webhook is gone")
    func expiry() {
        var outbox = Outbox()
        let event = Self.events(1)
        outbox.enqueue(event, at: Self.now) { _ in ["ops", "gone"] }
        outbox.markSaved()
        let later = Self.now.addingTimeInterval(2 * 86_400)
        var result = outbox.expire(maxAge: 86_400, webhooks: ["ops"], now: later, reason: "max_age")
        #expect(result.letters.map(\.webhook) == ["gone"])
        #expect(outbox.pending(for: "ops").count == 1, "ops never tried it")
        outbox.markTried([event[0].id], webhook: "ops")
        result = outbox.expire(maxAge: 86_400, webhooks: ["ops"], now: later, reason: "max_age")
        #expect(result.letters.map(\.webhook) == ["ops"])
        #expect(outbox.entries.isEmpty)
        #expect(outbox.attempted.isEmpty, "tries of events that left are forgotten")
    }

    @Test("a NaN, infinite or negative max_age expires nothing by accident", arguments: [Double.nan, .infinity, -1, -0.0, 1e300])
    func hostileMaxAge(_ maxAge: Double) {
        var outbox = Outbox()
        outbox.enqueue(Self.events(1), at: Self.now) { _ in ["ops"] }
        outbox.markTried(outbox.entries.map(\.event.id), webhook: "ops")
        let letters = outbox.expire(maxAge: maxAge, webhooks: ["ops"], now: Self.now.addingTimeInterval(1), reason: "x").letters
        #expect(letters.count == (maxAge.isFinite && maxAge <= 0 ? 1 : 0))
    }

    @Test("the newest 1,000 dead letters are kept; the dropped ones are reported oldest first")
    func deadLetterCap() {
        var outbox = Outbox()
        let events = Self.events(1_002)
        outbox.enqueue(events, at: Self.now) { _ in ["ops"] }
        let result = outbox.deadLetter(events.map(\.id), webhook: "ops", reason: "HTTP 400", at: Self.now)
        #expect(result.letters.count == 1_002)
        #expect(result.dropped.map(\.event.id) == [events[0].id, events[1].id])
        #expect(outbox.deadLetters.count == PersistentState.deadLetterLimit)
        #expect(outbox.deadLetters.first?.event.id == events[2].id)
        #expect(outbox.entries.isEmpty)
    }
}

/// A monotonic clock tests move by hand.
final class ManualInstant: Sendable {
    private let current = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { current.withLock { $0 } }
    func advance(_ by: Duration) { current.withLock { $0 += by } }
}

/// The save policy: within 1 s of new events, at least every 10 s.
@Suite struct StateKeeperPolicyTests {
    static func keeper(_ clock: ManualInstant) -> StateKeeper {
        StateKeeper(path: "/nonexistent/state.json", logger: Logger(label: "test"), observer: nil, now: { clock.now })
    }

    @Test func savesWithinOneSecondOfNewEvents() {
        let clock = ManualInstant()
        var keeper = Self.keeper(clock)
        #expect(!keeper.isDue)
        keeper.noteEvents(1)
        clock.advance(.milliseconds(999))
        #expect(!keeper.isDue, "at most one save a second")
        clock.advance(.milliseconds(1))
        #expect(keeper.isDue)
        _ = keeper.starting()
        #expect(!keeper.isDue, "a save clears the events")
    }

    @Test func savesAtLeastEveryTenSeconds() {
        let clock = ManualInstant()
        let keeper = Self.keeper(clock)
        clock.advance(.milliseconds(9_999))
        #expect(!keeper.isDue)
        clock.advance(.milliseconds(1))
        #expect(keeper.isDue)
    }

    @Test("the event count saturates; a negative count is no event")
    func hostileCounts() {
        let clock = ManualInstant()
        var keeper = Self.keeper(clock)
        keeper.noteEvents(-5)
        clock.advance(.seconds(2))
        #expect(!keeper.isDue)
        keeper.noteEvents(.max)
        keeper.noteEvents(.max)
        #expect(keeper.isDue)
    }

    @Test("a failed write is counted, and the count clears on the next success")
    func failedSavesAreCounted() async throws {
        let clock = ManualInstant()
        var keeper = Self.keeper(clock)
        for attempt in 1...3 {
            let started = keeper.starting()
            keeper.finished(started: started, error: await keeper.write(PersistentState()))
            #expect(keeper.consecutiveFailures == attempt)
        }
        let folder = try TemporaryDirectory()
        var good = StateKeeper(path: folder.file("state.json"), logger: Logger(label: "test"), observer: nil, now: { clock.now })
        let started = good.starting()
        #expect(await good.write(PersistentState()) == nil)
        good.finished(started: started, error: nil)
        #expect(good.consecutiveFailures == 0)
    }
}
