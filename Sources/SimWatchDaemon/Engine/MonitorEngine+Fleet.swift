import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor
import SimWatchState

/// Discovery and the change feed on the engine: the inventory, the watermark and which SIMs
/// are usage-polled. The rules are `FleetLedger`'s and `FeedWindow`'s; this only applies them.
extension MonitorEngine {
    /// The SIMs the next usage cycle polls: configured devices always, then discovered SIMs
    /// whose listed status is in `fleet.usage_statuses`. The scheduler chooses among these.
    public func usageTargets() -> [DeviceEntry] {
        FleetLedger.usageTargets(configured: config.devices, inventory: ledger.inventory, fleet: config.fleet)
    }

    /// Whether answers and listings for `iccid` are kept: configured, or discovered with discovery on.
    func isWatched(_ iccid: String) -> Bool {
        configured.contains(iccid) || (config.fleet.discover && ledger.inventory[iccid] != nil)
    }

    /// How many SIMs the inventory holds.
    public var inventoryCount: Int { ledger.inventory.count }

    /// The window the next feed pass lists.
    public func feedWindow() -> FeedWindow {
        FeedWindow.next(feed: ledger.feed, discover: config.fleet.discover, processStart: processStart, now: now())
    }

    /// Records one page of a feed pass; returns the events it raised.
    ///
    /// Without discovery only configured SIMs are watched and the rest of the page is
    /// ignored; with it every listed SIM joins the inventory.
    @discardableResult
    public func recordListing(_ listed: [ListedDevice], window: FeedWindow) -> [Event] {
        let discover = config.fleet.discover
        var events: [Event] = []
        for device in listed {
            let configuredEntry = configured[device.iccid]
            guard discover || configuredEntry != nil else { continue }
            let entry = configuredEntry ?? DeviceEntry(iccid: device.iccid)
            // A configured SIM is watched whatever the account says: never "discovered".
            let first: FirstListing = configuredEntry == nil ? window.firstListing : .baseline
            var record = ledger.devices[device.iccid]
            var inventory = ledger.inventory[device.iccid]
            let listed = FleetLedger.observe(
                device, device: entry, record: &record, entry: &inventory, first: first, at: now(), epoch: ledger.epoch)
            events += dampFlapping(listed, device: entry, record: &record)
            if let record { ledger.devices[device.iccid] = record }
            ledger.inventory[device.iccid] = inventory
        }
        raise(events)
        return events
    }

    /// Closes a successful pass that started at `startedAt`: the watermark moves, a
    /// whole-account listing completes the inventory, and a failure noted earlier is forgotten.
    public func finishFeedPass(window: FeedWindow, startedAt: Date) {
        ledger.feed = window.completed(ledger.feed, startedAt: startedAt)
        feedFailure = nil
    }

    /// Notes a feed pass that leaves the daemon blind (refused with a 401, or discovery that
    /// could not list the account): the next cycle fails with `reason` unless a usage answer
    /// shows that polling works.
    public func noteFeedFailure(_ reason: String) {
        feedFailure = reason
    }

    /// Whether a feed pass should run now: the feed is on, or discovery has yet to list the account.
    public var feedPassDue: Bool {
        config.fleet.feedIsOn || (config.fleet.discover && !ledger.feed.complete)
    }
}
