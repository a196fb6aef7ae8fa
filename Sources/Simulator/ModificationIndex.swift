/// ICCIDs in the order of their last modification, so that Search Devices pages through
/// 100,000 SIMs without scanning the fleet for every page.
///
/// An append-only log: a modification appends the ICCID and turns its previous slot into a
/// *ghost* that is still listed (with the device's current values) for `ghostLifetime`
/// seconds. So a device modified during a multi-page listing moves to the end without
/// shifting the devices behind it onto pages already read: the listing shows duplicates,
/// never gaps, as Control Center's clients report. A Fenwick tree over the listed slots
/// turns "the N-th listed entry at or after time T" into two O(log n) steps; dead slots are
/// compacted away once they outnumber the others, so a page costs O(log n + page size)
/// amortized and memory stays proportional to the fleet.
struct ModificationIndex: Sendable {
    private enum Slot: UInt8, Sendable { case dead, live, ghost }

    /// How long a moved device's old slot keeps its place in listings: longer than a listing
    /// of 100,000 SIMs at 5 calls a second (400 s) takes.
    let ghostLifetime: Double
    /// Seconds since the reference date, never decreasing along the log.
    private var times: [Double] = []
    private var iccids: [String] = []
    private var slots: [Slot] = []
    /// 1-based Fenwick tree counting live and ghost slots; `tree.count - 1` is its capacity.
    private var tree: [Int] = [0]
    /// The live slot of each ICCID.
    private var positions: [String: Int] = [:]
    /// Ghost slots with the time they were left, oldest first (`ghostHead` is the first not yet expired).
    private var ghosts: [(leftAt: Double, slot: Int)] = []
    private var ghostHead = 0
    /// Devices in the index (live slots).
    private(set) var count = 0
    private var deadCount = 0

    init(ghostLifetime: Double = 900) {
        self.ghostLifetime = ghostLifetime.isFinite ? max(0, ghostLifetime) : 0
    }

    /// The time of the newest entry; a new one is never recorded before it.
    var latestTime: Double { times.last ?? -Double.greatestFiniteMagnitude }

    /// The recorded modification time of `iccid`.
    func time(of iccid: String) -> Double? { positions[iccid].map { times[$0] } }

    /// Moves `iccid` to the end with modification time `time` (raised to `latestTime` if earlier).
    mutating func record(_ iccid: String, at time: Double) {
        let stamp = time.isFinite ? max(time, latestTime) : latestTime
        if let old = positions[iccid] {
            slots[old] = .ghost
            ghosts.append((stamp, old))
        } else {
            count += 1
        }
        times.append(stamp)
        iccids.append(iccid)
        slots.append(.live)
        positions[iccid] = times.count - 1
        if times.count > tree.count - 1 { rebuildTree() } else { add(at: times.count - 1, 1) }
        expireGhosts(now: stamp)
        compactIfSparse()
    }

    /// Forgets `iccid` at once (no ghost: a removed device is not listed).
    mutating func remove(_ iccid: String) {
        guard let slot = positions.removeValue(forKey: iccid) else { return }
        kill(slot)
        count -= 1
        compactIfSparse()
    }

    /// Takes `iccid` out at `time` but leaves a ghost in its slot, as a device that changed
    /// status leaves a listing filtered by its old status without shifting the others.
    mutating func retire(_ iccid: String, at time: Double) {
        guard let slot = positions.removeValue(forKey: iccid) else { return }
        slots[slot] = .ghost
        ghosts.append((time.isFinite ? max(time, latestTime) : latestTime, slot))
        count -= 1
    }

    /// Stops listing ghosts left before `now - ghostLifetime`.
    mutating func expireGhosts(now: Double) {
        guard now.isFinite else { return }
        while ghostHead < ghosts.count, ghosts[ghostHead].leftAt < now - ghostLifetime {
            let slot = ghosts[ghostHead].slot
            if slots[slot] == .ghost { kill(slot) }
            ghostHead += 1
        }
        if ghostHead > 1024, ghostHead * 2 > ghosts.count {
            ghosts.removeFirst(ghostHead)
            ghostHead = 0
        }
    }

    /// Up to `limit` ICCIDs listed with a time in `since...until`, oldest first, after skipping
    /// `offset` of them; `more` tells whether any follow this page. An ICCID may appear twice
    /// while its ghost lives.
    func page(since: Double, until: Double = .infinity, offset: Int, limit: Int) -> (iccids: [String], more: Bool) {
        let lower = firstSlot { $0 >= since }
        let upper = firstSlot { $0 > until }
        let before = prefixCount(lower)
        let inRange = max(0, prefixCount(upper) - before)
        guard limit > 0, offset >= 0, offset < inRange else { return ([], false) }
        var slot = slotOfRank(before + offset)
        var found: [String] = []
        found.reserveCapacity(min(limit, inRange - offset))
        while slot < upper, found.count < limit {
            if slots[slot] != .dead { found.append(iccids[slot]) }
            slot += 1
        }
        return (found, offset + found.count < inRange)
    }

    // MARK: Internals

    private mutating func kill(_ slot: Int) {
        guard slots[slot] != .dead else { return }
        slots[slot] = .dead
        add(at: slot, -1)
        deadCount += 1
    }

    /// Binary search: the first slot whose time satisfies `predicate` (monotone along the log).
    private func firstSlot(where predicate: (Double) -> Bool) -> Int {
        var low = 0
        var high = times.count
        while low < high {
            let middle = low + (high - low) / 2
            if predicate(times[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Listed slots in `0..<end`.
    private func prefixCount(_ end: Int) -> Int {
        var index = min(end, tree.count - 1)
        var sum = 0
        while index > 0 {
            sum += tree[index]
            index -= index & -index
        }
        return sum
    }

    /// The slot of the listed entry with 0-based `rank`; the caller checks that it exists.
    private func slotOfRank(_ rank: Int) -> Int {
        let capacity = tree.count - 1
        var position = 0
        var remaining = rank + 1
        var step = capacity == 0 ? 0 : 1 << (Int.bitWidth - 1 - capacity.leadingZeroBitCount)
        while step > 0 {
            let next = position + step
            if next <= capacity, tree[next] < remaining {
                position = next
                remaining -= tree[next]
            }
            step >>= 1
        }
        return position
    }

    private mutating func add(at slot: Int, _ delta: Int) {
        var index = slot + 1
        while index < tree.count {
            tree[index] += delta
            index += index & -index
        }
    }

    /// Rebuilds the tree in O(n), with room to grow to twice the log.
    private mutating func rebuildTree() {
        let capacity = max(16, times.count * 2)
        var fresh = [Int](repeating: 0, count: capacity + 1)
        for slot in slots.indices where slots[slot] != .dead { fresh[slot + 1] = 1 }
        for index in 1...capacity {
            let parent = index + (index & -index)
            if parent <= capacity { fresh[parent] += fresh[index] }
        }
        tree = fresh
    }

    /// Drops dead slots once they outnumber the others, keeping the order (and the ghosts).
    private mutating func compactIfSparse() {
        guard times.count > 1024, deadCount * 2 > times.count else { return }
        var moved = [Int](repeating: -1, count: times.count)
        var keptTimes: [Double] = []
        var keptICCIDs: [String] = []
        var keptSlots: [Slot] = []
        let kept = times.count - deadCount
        keptTimes.reserveCapacity(kept)
        keptICCIDs.reserveCapacity(kept)
        keptSlots.reserveCapacity(kept)
        for slot in slots.indices where slots[slot] != .dead {
            moved[slot] = keptTimes.count
            keptTimes.append(times[slot])
            keptICCIDs.append(iccids[slot])
            keptSlots.append(slots[slot])
        }
        times = keptTimes
        iccids = keptICCIDs
        slots = keptSlots
        deadCount = 0
        positions = positions.mapValues { moved[$0] }
        ghosts = ghosts[ghostHead...].compactMap { ghost in
            moved[ghost.slot] < 0 ? nil : (ghost.leftAt, moved[ghost.slot])
        }
        ghostHead = 0
        rebuildTree()
    }
}
