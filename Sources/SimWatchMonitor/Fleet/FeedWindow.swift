import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchState

/// Which changes the next feed pass asks Search Devices for, and what a first listing means in it.
public struct FeedWindow: Sendable, Equatable {
    /// `modifiedSince` of every page of the pass.
    public var modifiedSince: Date
    /// The whole account is listed: completing the pass completes the inventory.
    public var wholeAccount: Bool
    /// What a SIM the inventory does not hold yet means in this pass.
    public var firstListing: FirstListing

    public init(modifiedSince: Date, wholeAccount: Bool, firstListing: FirstListing) {
        self.modifiedSince = modifiedSince
        self.wholeAccount = wholeAccount
        self.firstListing = firstListing
    }

    /// Modifications made while a listing is under way move to its end, and clocks differ:
    /// each pass overlaps the previous one by this much (DESIGN.md: 5 minutes).
    public static let overlap: TimeInterval = 5 * 60
    /// A date before any SIM's modification: the listing is the whole account.
    public static let wholeAccountSince = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01T00:00:00Z

    /// The window of the next pass (DESIGN.md "Fleets at scale").
    ///
    /// With discovery and no complete inventory yet: the whole account, its SIMs baselines.
    /// Otherwise from the watermark (the start of the last successful pass) minus the
    /// overlap, or, before any pass, from the process start minus the overlap. A watermark
    /// ahead of `now` (the clock was set back) counts as `now`, so the feed never waits for
    /// the clock to catch up.
    public static func next(feed: FeedState, discover: Bool, processStart: Date, now: Date) -> FeedWindow {
        if discover && !feed.complete {
            return FeedWindow(modifiedSince: wholeAccountSince, wholeAccount: true, firstListing: .baseline)
        }
        let from = min(feed.watermark ?? processStart, now)
        return FeedWindow(
            modifiedSince: max(from.addingTimeInterval(-overlap), wholeAccountSince), wholeAccount: false,
            firstListing: discover ? .discovered : .baseline)
    }

    /// The feed state after a pass of this window that started at `startedAt` completed.
    public func completed(_ feed: FeedState, startedAt: Date) -> FeedState {
        FeedState(watermark: startedAt, complete: feed.complete || wholeAccount)
    }
}

extension FleetLedger {
    /// The SIMs to usage-poll: every configured device (whatever its status), then, with
    /// discovery, each inventory SIM whose listed status is in `usage_statuses`, by ICCID.
    public static func usageTargets(
        configured: [DeviceEntry], inventory: [String: InventoryEntry], fleet: FleetSettings
    ) -> [DeviceEntry] {
        guard fleet.discover, !fleet.usageStatuses.isEmpty else { return configured }
        let statuses = Set(fleet.usageStatuses)
        let named = Set(configured.map(\.iccid))
        let discovered = inventory.compactMap { iccid, entry -> String? in
            guard !named.contains(iccid), let status = entry.status, statuses.contains(status) else { return nil }
            return iccid
        }
        return configured + discovered.sorted().map { DeviceEntry(iccid: $0) }
    }
}
