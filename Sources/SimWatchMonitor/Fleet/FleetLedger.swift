import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchState

/// What a listing of a SIM the inventory did not hold yet means.
public enum FirstListing: Sendable, Equatable {
    /// Part of the first whole-account listing, or a configured SIM: a baseline, no event.
    case baseline
    /// The account's inventory is known and this SIM is not in it: `device_discovered`.
    case discovered
}

/// The change feed's rules: a listed record is a partial observation (status, rate plan,
/// communication plan; everything else unknown) judged by the Detector's change rules,
/// with the same ids as a usage poll's.
///
/// Pure: each function takes the SIM's stored memory and returns the events, so every
/// rule is table-tested without an engine, a clock or a network.
public enum FleetLedger {
    /// Records one listing of `device`.
    ///
    /// A SIM with a usage record is judged against it (its last known values, its
    /// observation number); `observedAt` is left alone, since it dates the last usage answer
    /// and a listing carries no counters. Another SIM is judged against its inventory
    /// entry. A SIM listed for the first time is a baseline or `device_discovered`
    /// (`first`). Equal values raise nothing; unknown ones (missing, `null`, blank) are
    /// never a change and never overwrite a known value.
    public static func observe(
        _ listed: ListedDevice, device: DeviceEntry, record: inout DeviceRecord?, entry: inout InventoryEntry?,
        first: FirstListing, at observedAt: Date, epoch: String
    ) -> [Event] {
        let current = listed.partialUsage
        let previousEntry = entry
        let merged = current.keepingKnownValues(of: previousEntry?.partialUsage(iccid: listed.iccid))
        entry = InventoryEntry(
            status: merged.status, ratePlan: merged.ratePlan, communicationPlan: merged.communicationPlan,
            observation: previousEntry?.observation ?? 0)

        if var stored = record, let last = stored.last {
            defer { record = stored }
            stored.last = current.keepingKnownValues(of: last)
            // A SIM whose usage poll answered 20000001 starts a new baseline when found again
            // by a poll; until then a listing only refreshes what is known.
            guard !stored.notFound else { return [] }
            stored.observation = stored.observation.incrementedSaturating
            let context = DeviceEventContext(
                epoch: epoch, device: device, record: current, observation: stored.observation, observedAt: observedAt)
            return Detector.changes(from: last, to: current, context)
        }
        guard let previousEntry else {
            guard first == .discovered else { return [] }
            let observation = 1
            entry?.observation = observation
            let context = DeviceEventContext(
                epoch: epoch, device: device, record: current, observation: observation, observedAt: observedAt)
            return [discovered(listed, context)]
        }
        let observation = previousEntry.observation.incrementedSaturating
        entry?.observation = observation
        let context = DeviceEventContext(
            epoch: epoch, device: device, record: current, observation: observation, observedAt: observedAt)
        return Detector.changes(from: previousEntry.partialUsage(iccid: listed.iccid), to: current, context)
    }

    /// `device_discovered` (info): `current` is the listed status, `device` the listed record.
    static func discovered(_ listed: ListedDevice, _ context: DeviceEventContext) -> Event {
        let status = Detector.known(listed.status)
        let plan = Detector.known(listed.ratePlan).map { ", rate plan \($0)" } ?? ""
        return context.event(
            .deviceDiscovered, .info, detail: "new SIM on the account (status \(status ?? "unknown")\(plan))",
            current: status.map(EventValue.string))
    }

    /// The usage record a SIM's first usage poll is judged against: its inventory entry's
    /// values and observation number, so a change between the listing and the poll is
    /// reported once and ids keep counting. A SIM never listed starts empty (a baseline).
    public static func firstRecord(iccid: String, entry: InventoryEntry?) -> DeviceRecord {
        guard let entry else { return DeviceRecord() }
        let partial = entry.partialUsage(iccid: iccid)
        let known = [partial.status, partial.ratePlan, partial.communicationPlan].contains { Detector.known($0) != nil }
        return DeviceRecord(last: known ? partial : nil, observation: entry.observation)
    }
}

extension FleetLedger {
    /// Drops what is no longer watched: device records of SIMs neither configured nor (with
    /// discovery) in the inventory. Without discovery the inventory keeps the configured SIMs
    /// only and is no longer the account's, so turning discovery on again lists it whole.
    ///
    /// Nothing is copied when nothing goes (the usual start): see `PersistentState.prune(keeping:)`.
    public static func prune(_ state: inout PersistentState, isConfigured: (String) -> Bool, fleet: FleetSettings) {
        if fleet.discover {
            let inventory = state.inventory
            state.prune { isConfigured($0) || inventory[$0] != nil }
        } else {
            state.prune(keeping: isConfigured)
            if state.inventory.contains(where: { !isConfigured($0.key) }) {
                state.inventory = state.inventory.filter { isConfigured($0.key) }
                state.feed.complete = false
            }
        }
    }
}
