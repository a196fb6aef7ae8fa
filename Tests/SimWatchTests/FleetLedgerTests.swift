import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchMonitor
@testable import SimWatchState

/// The feed's pure rules: a listing is a partial observation judged like a poll.
@Suite struct FleetLedgerTests {
    static let iccid = "8988216716970004975"
    static let at = Date(timeIntervalSince1970: 1_795_773_600)
    static let device = DeviceEntry(iccid: iccid, name: "truck-17")

    static func listed(_ status: String?, plan: String? = "P1", comm: String? = "C1") -> ListedDevice {
        ListedDevice(iccid: iccid, status: status, ratePlan: plan, communicationPlan: comm)
    }

    func observe(
        _ listed: ListedDevice, record: inout DeviceRecord?, entry: inout InventoryEntry?, first: FirstListing = .discovered
    ) -> [Event] {
        FleetLedger.observe(listed, device: Self.device, record: &record, entry: &entry, first: first, at: Self.at, epoch: "E")
    }

    @Test func aFirstListingIsABaselineOrADiscovery() {
        var record: DeviceRecord?
        var entry: InventoryEntry?
        #expect(observe(Self.listed("ACTIVATED"), record: &record, entry: &entry, first: .baseline).isEmpty)
        #expect(entry == InventoryEntry(status: "ACTIVATED", ratePlan: "P1", communicationPlan: "C1", observation: 0))
        #expect(record == nil)

        var later: InventoryEntry?
        let events = observe(Self.listed("TEST_READY"), record: &record, entry: &later, first: .discovered)
        #expect(events.map(\.kind) == [.deviceDiscovered])
        #expect(events.first?.severity == .info)
        #expect(events.first?.current == .string("TEST_READY"))
        #expect(events.first?.device == DeviceUsage(iccid: Self.iccid, status: "TEST_READY", ratePlan: "P1", communicationPlan: "C1"))
        #expect(events.first?.summary == "truck-17 (\(Self.iccid)): new SIM on the account (status TEST_READY, rate plan P1)")
        #expect(later?.observation == 1)
    }

    @Test func anUnpolledSIMIsJudgedAgainstItsInventoryEntry() {
        var record: DeviceRecord?
        var entry: InventoryEntry? = InventoryEntry(status: "ACTIVATED", ratePlan: "P1", communicationPlan: "C1")
        #expect(observe(Self.listed("ACTIVATED"), record: &record, entry: &entry).isEmpty)
        let events = observe(Self.listed("DEACTIVATED", plan: "P2", comm: "C2"), record: &record, entry: &entry)
        #expect(events.map(\.kind) == [.statusChanged, .ratePlanChanged, .communicationPlanChanged])
        #expect(events.first?.severity == .critical)
        #expect(events.first?.previous == .string("ACTIVATED"))
        #expect(entry == InventoryEntry(status: "DEACTIVATED", ratePlan: "P2", communicationPlan: "C2", observation: 2))
        #expect(record == nil)
    }

    @Test func unknownValuesAreNeverAChangeAndKeepTheKnownOne() {
        var record: DeviceRecord?
        var entry: InventoryEntry? = InventoryEntry(status: "ACTIVATED", ratePlan: "P1", communicationPlan: "C1")
        #expect(observe(Self.listed(nil, plan: " ", comm: ""), record: &record, entry: &entry).isEmpty)
        #expect(entry?.status == "ACTIVATED" && entry?.ratePlan == "P1" && entry?.communicationPlan == "C1")
        let events = observe(Self.listed("DEACTIVATED"), record: &record, entry: &entry)
        #expect(events.map(\.kind) == [.statusChanged])
        #expect(events.first?.previous == .string("ACTIVATED"))
    }

    @Test func aPolledSIMIsJudgedAgainstItsRecordWithTheSameIDsAsAPoll() {
        let last = DeviceUsage(iccid: Self.iccid, imei: "A", status: "ACTIVATED", ratePlan: "P1", communicationPlan: "C1",
                               ctdDataUsage: 500)
        var record: DeviceRecord? = DeviceRecord(last: last, observedAt: Self.at.addingTimeInterval(-60), observation: 7)
        var entry: InventoryEntry? = InventoryEntry(status: "ACTIVATED", ratePlan: "P1", communicationPlan: "C1")
        let events = observe(Self.listed("DEACTIVATED"), record: &record, entry: &entry)
        #expect(events.map(\.kind) == [.statusChanged])

        // The same transition seen by a usage poll at the same observation number has the same id.
        var polled = last
        polled.status = "DEACTIVATED"
        let poll = Detector.detect(
            DetectionInput(device: Self.device, previous: last, current: polled, observation: 8, observedAt: Self.at, epoch: "E"),
            rules: DetectionRules())
        #expect(poll.events.map(\.id) == events.map(\.id))

        // Counters, IMEI and the poll's time are the poll's: a listing leaves them alone.
        #expect(record?.observation == 8)
        #expect(record?.last?.ctdDataUsage == 500 && record?.last?.imei == "A" && record?.last?.status == "DEACTIVATED")
        #expect(record?.observedAt == Self.at.addingTimeInterval(-60))
        #expect(entry?.status == "DEACTIVATED")
        // Listed again unchanged (the overlap): nothing.
        #expect(observe(Self.listed("DEACTIVATED"), record: &record, entry: &entry).isEmpty)
    }

    @Test func aSIMNotFoundByItsPollOnlyRefreshesItsValues() {
        let last = DeviceUsage(iccid: Self.iccid, status: "ACTIVATED")
        var record: DeviceRecord? = DeviceRecord(last: last, observation: 3, notFound: true)
        var entry: InventoryEntry?
        #expect(observe(Self.listed("DEACTIVATED"), record: &record, entry: &entry).isEmpty)
        #expect(record?.last?.status == "DEACTIVATED" && record?.notFound == true && record?.observation == 3)
    }

    @Test func theFirstPollOfAListedSIMStartsFromItsListing() {
        #expect(FleetLedger.firstRecord(iccid: Self.iccid, entry: nil) == DeviceRecord())
        #expect(FleetLedger.firstRecord(iccid: Self.iccid, entry: InventoryEntry()) == DeviceRecord())
        let record = FleetLedger.firstRecord(iccid: Self.iccid, entry: InventoryEntry(status: "ACTIVATED", observation: 4))
        #expect(record.last == DeviceUsage(iccid: Self.iccid, status: "ACTIVATED"))
        #expect(record.observation == 4 && record.observedAt == nil)
    }

    // MARK: Targets and pruning

    @Test func usageTargetsAreConfiguredDevicesThenDiscoveredOnesInUsageStatuses() {
        let configured = [DeviceEntry(iccid: "8988216716970000009", name: "b"), DeviceEntry(iccid: "8988216716970000001")]
        let inventory: [String: InventoryEntry] = [
            "8988216716970000001": InventoryEntry(status: "DEACTIVATED"),
            "8988216716970000009": InventoryEntry(status: "PURGED"),
            "8988216716970000005": InventoryEntry(status: "TEST_READY"),
            "8988216716970000003": InventoryEntry(status: "ACTIVATED"),
            "8988216716970000004": InventoryEntry(status: "DEACTIVATED"),
            "8988216716970000006": InventoryEntry(),
        ]
        let discover = FleetSettings(discover: true)
        #expect(FleetLedger.usageTargets(configured: configured, inventory: inventory, fleet: discover).map(\.iccid) == [
            "8988216716970000009", "8988216716970000001", "8988216716970000003", "8988216716970000005",
        ])
        #expect(FleetLedger.usageTargets(configured: configured, inventory: inventory, fleet: FleetSettings()) == configured)
        let none = FleetSettings(discover: true, usageStatuses: [])
        #expect(FleetLedger.usageTargets(configured: configured, inventory: inventory, fleet: none) == configured)
    }

    @Test func pruningKeepsWhatIsWatched() {
        var state = PersistentState(
            devices: ["8988216716970000001": DeviceRecord(), "8988216716970000002": DeviceRecord(), "8988216716970000003": DeviceRecord()],
            inventory: ["8988216716970000002": InventoryEntry(status: "ACTIVATED"), "8988216716970000001": InventoryEntry()],
            feed: FeedState(watermark: Self.at, complete: true))
        var discovering = state
        FleetLedger.prune(&discovering, isConfigured: { $0 == "8988216716970000001" }, fleet: FleetSettings(discover: true))
        #expect(Set(discovering.devices.keys) == ["8988216716970000001", "8988216716970000002"])
        #expect(discovering.inventory.count == 2 && discovering.feed.complete)

        FleetLedger.prune(&state, isConfigured: { $0 == "8988216716970000001" }, fleet: FleetSettings())
        #expect(Set(state.devices.keys) == ["8988216716970000001"])
        #expect(Set(state.inventory.keys) == ["8988216716970000001"])
        #expect(!state.feed.complete && state.feed.watermark == Self.at)
    }

    // MARK: The window

    @Test func theWindowOfTheNextPass() {
        let start = Self.at
        let now = Self.at.addingTimeInterval(3600)
        let whole = FeedWindow.next(feed: FeedState(), discover: true, processStart: start, now: now)
        #expect(whole == FeedWindow(modifiedSince: FeedWindow.wholeAccountSince, wholeAccount: true, firstListing: .baseline))
        #expect(Timestamp.iso8601WithOffset(whole.modifiedSince) == "2000-01-01T00:00:00+00:00")

        let fresh = FeedWindow.next(feed: FeedState(), discover: false, processStart: start, now: now)
        #expect(fresh == FeedWindow(modifiedSince: start.addingTimeInterval(-300), wholeAccount: false, firstListing: .baseline))

        let mark = Self.at.addingTimeInterval(600)
        let next = FeedWindow.next(feed: FeedState(watermark: mark, complete: true), discover: true, processStart: start, now: now)
        #expect(next == FeedWindow(modifiedSince: mark.addingTimeInterval(-300), wholeAccount: false, firstListing: .discovered))

        // A watermark in the future (the clock was set back) counts as now.
        let ahead = FeedState(watermark: now.addingTimeInterval(86_400), complete: true)
        #expect(FeedWindow.next(feed: ahead, discover: true, processStart: start, now: now).modifiedSince == now.addingTimeInterval(-300))
        // One before 2000 (a hand-edited file) lists from 2000 at the earliest.
        let ancient = FeedState(watermark: Date(timeIntervalSince1970: -1e10), complete: true)
        #expect(FeedWindow.next(feed: ancient, discover: true, processStart: start, now: now).modifiedSince == FeedWindow.wholeAccountSince)

        #expect(whole.completed(FeedState(), startedAt: now) == FeedState(watermark: now, complete: true))
        #expect(fresh.completed(FeedState(), startedAt: now) == FeedState(watermark: now, complete: false))
    }
}
