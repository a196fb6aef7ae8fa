import Foundation
import Testing
@testable import SimWatchMonitor
@testable import SimWatchState

@Suite("State outbox and devices")
struct StateOutboxTests {
    let now = StateFixtures.now
    let a = StateFixtures.event(id: "aaaaaaaaaaaaaaaa")
    let b = StateFixtures.event(id: "bbbbbbbbbbbbbbbb")

    @Test("enqueue skips ids already in the outbox, also within one batch")
    func enqueueDedupes() {
        var state = PersistentState()
        #expect(state.enqueue([a, b, a], webhooks: ["chat", "pager", "chat"], at: now) == 2)
        #expect(state.enqueue([b], webhooks: ["chat"], at: now.addingTimeInterval(60)) == 0)
        #expect(state.outbox.map(\.event.id) == [a.id, b.id])
        #expect(state.outbox.allSatisfy { $0.pendingWebhooks == ["chat", "pager"] && $0.enqueuedAt == now })
    }

    @Test("enqueue routes each event to the webhooks that want it; unwanted events are dropped")
    func enqueueRoutes() {
        var state = PersistentState()
        let added = state.enqueue([a, b], at: now) { $0.id == a.id ? ["chat"] : [] }
        #expect(added == 1)
        #expect(state.outbox.map(\.event.id) == [a.id])
    }

    @Test("an entry leaves the outbox once every webhook delivered it")
    func markDelivered() {
        var state = PersistentState()
        state.enqueue([a, b], webhooks: ["chat", "pager"], at: now)
        state.markDelivered(eventIDs: [a.id], webhook: "chat")
        #expect(state.outbox.map(\.pendingWebhooks) == [["pager"], ["chat", "pager"]])
        state.markDelivered(eventIDs: [a.id, b.id], webhook: "pager")
        #expect(state.outbox.map(\.event.id) == [b.id])
        state.markDelivered(eventIDs: [b.id], webhook: "chat")
        #expect(state.outbox.isEmpty)
        // Delivered and gone: the same id may be enqueued again.
        #expect(state.enqueue([a], webhooks: ["chat"], at: now) == 1)
    }

    @Test("dead-lettering moves only the given webhook's delivery")
    func deadLetter() {
        var state = PersistentState()
        state.enqueue([a], webhooks: ["chat", "pager"], at: now)
        let letters = state.deadLetter(eventIDs: [a.id, b.id], webhook: "pager", reason: "HTTP 400", at: now)
        #expect(letters == [DeadLetter(event: a, webhook: "pager", reason: "HTTP 400", at: now)])
        #expect(state.deadLetters == letters)
        #expect(state.outbox.map(\.pendingWebhooks) == [["chat"]])
        #expect(state.deadLetter(eventIDs: [a.id], webhook: "pager", reason: "again", at: now).isEmpty)
    }

    @Test("deliveries older than max_age are dead-lettered, one per pending webhook")
    func deadLetterExpired() {
        var state = PersistentState()
        state.enqueue([a], webhooks: ["chat", "pager"], at: now)
        state.enqueue([b], webhooks: ["chat"], at: now.addingTimeInterval(3_600))
        let letters = state.deadLetterExpired(maxAge: 86_400, now: now.addingTimeInterval(86_401), reason: "max_age 24h exceeded")
        #expect(letters.map(\.webhook) == ["chat", "pager"])
        #expect(letters.allSatisfy { $0.event == a && $0.reason == "max_age 24h exceeded" })
        #expect(state.outbox.map(\.event.id) == [b.id])
    }

    @Test("expiry keeps the deliveries the caller has not tried yet")
    func deadLetterExpiredOnlyWhenAllowed() {
        var state = PersistentState()
        state.enqueue([a], webhooks: ["chat", "pager"], at: now)
        let later = now.addingTimeInterval(86_401)
        #expect(state.deadLetterExpired(maxAge: 86_400, now: later, reason: "old", mayExpire: { _, _ in false }).isEmpty)
        let letters = state.deadLetterExpired(maxAge: 86_400, now: later, reason: "old", mayExpire: { $1 == "pager" })
        #expect(letters.map(\.webhook) == ["pager"])
        #expect(state.outbox.map(\.pendingWebhooks) == [["chat"]])
        #expect(state.deadLetterExpired(maxAge: 86_400, now: later, reason: "old").map(\.webhook) == ["chat"])
        #expect(state.outbox.isEmpty)
    }

    @Test("a max_age that is no number expires nothing", arguments: [Double.nan, .infinity, -.infinity])
    func deadLetterExpiredBoundsMaxAge(maxAge: Double) {
        var state = PersistentState()
        state.enqueue([a], webhooks: ["chat"], at: now)
        #expect(state.deadLetterExpired(maxAge: maxAge, now: now.addingTimeInterval(1e9), reason: "old").isEmpty)
    }

    @Test("dead letters keep only the newest 1,000")
    func deadLettersCapped() {
        var state = PersistentState()
        for index in 0..<1_005 {
            let event = StateFixtures.event(id: String(format: "%016x", index))
            state.enqueue([event], webhooks: ["chat"], at: now)
            state.deadLetter(eventIDs: [event.id], webhook: "chat", reason: "gone", at: now)
        }
        #expect(state.deadLetters.count == PersistentState.deadLetterLimit)
        #expect(state.deadLetters.first?.event.id == String(format: "%016x", 5))
        #expect(state.deadLetters.last?.event.id == String(format: "%016x", 1_004))
        #expect(state.outbox.isEmpty)
    }

    @Test("prune forgets devices no longer configured and keeps their undelivered events")
    func prune() {
        var state = PersistentState(devices: ["1": DeviceRecord(observation: 1), "2": DeviceRecord(observation: 2), "3": DeviceRecord()])
        state.enqueue([StateFixtures.event(id: "cccccccccccccccc", iccid: "2")], webhooks: ["chat"], at: now)
        state.prune(keeping: ["1", "3", "4"].contains)
        #expect(Set(state.devices.keys) == ["1", "3"])
        #expect(state.outbox.count == 1)
    }
}
