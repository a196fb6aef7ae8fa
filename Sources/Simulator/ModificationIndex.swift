/// ICCIDs in the order of their last modification, so that Search Devices pages through
/// 100,000 SIMs without scanning the fleet for every page.
///
/// An append-only log: a modification appends the ICCID and marks its previous slot dead.
/// A Fenwick tree over the live slots turns "the N-th live entry at or after time T" into
/// two O(log n) steps; the log is compacted when more than half of it is dead, so a page
/// costs O(log n + page size) amortized and memory stays proportional to the fleet.
struct ModificationIndex: Sendable {
    /// Seconds since the reference date, never decreasing along the log.
    private var times: [Double] = []
    private var iccids: [String] = []
    private var live: [Bool] = []
    /// 1-based Fenwick tree over `live`; `tree.count - 1` is its capacity.
    private var tree: [Int] = [0]
    private var slots: [String: Int] = [:]
    /// Entries that are live.
    private(set) var count = 0

    /// The time of the newest entry; a new one is never recorded before it.
    var latestTime: Double { times.last ?? -Double.greatestFiniteMagnitude }

    /// The recorded modification time of `iccid`.
    func time(of iccid: String) -> Double? { slots[iccid].map { times[$0] } }

    /// Moves `iccid` to the end with modification time `time` (raised to `latestTime` if earlier).
    mutating func record(_ iccid: String, at time: Double) {
        if let old = slots[iccid] { markDead(old) }
        let stamp = time.isFinite ? max(time, latestTime) : latestTime
        times.append(stamp)
        iccids.append(iccid)
        live.append(true)
        let slot = times.count - 1
        slots[iccid] = slot
        count += 1
        if times.count > tree.count - 1 { rebuildTree() } else { add(at: slot, 1) }
        compactIfSparse()
    }

    /// Forgets `iccid`.
    mutating func remove(_ iccid: String) {
        guard let slot = slots.removeValue(forKey: iccid) else { return }
        markDead(slot)
        compactIfSparse()
    }

    /// Up to `limit` ICCIDs whose time lies in `since...until`, oldest first, after skipping
    /// `offset` of them; `more` tells whether any follow this page.
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
            if live[slot] { found.append(iccids[slot]) }
            slot += 1
        }
        return (found, offset + found.count < inRange)
    }

    // MARK: Internals

    private mutating func markDead(_ slot: Int) {
        guard live[slot] else { return }
        live[slot] = false
        add(at: slot, -1)
        count -= 1
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

    /// Live entries in slots `0..<end`.
    private func prefixCount(_ end: Int) -> Int {
        var index = min(end, tree.count - 1)
        var sum = 0
        while index > 0 {
            sum += tree[index]
            index -= index & -index
        }
        return sum
    }

    /// The slot of the live entry with 0-based `rank`; the caller checks `rank < count`.
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
        for slot in live.indices where live[slot] { fresh[slot + 1] = 1 }
        for index in 1...capacity {
            let parent = index + (index & -index)
            if parent <= capacity { fresh[parent] += fresh[index] }
        }
        tree = fresh
    }

    /// Drops dead slots once they outnumber the live ones, keeping the order.
    private mutating func compactIfSparse() {
        guard times.count > 1024, count * 2 < times.count else { return }
        var keptTimes: [Double] = []
        var keptICCIDs: [String] = []
        keptTimes.reserveCapacity(count)
        keptICCIDs.reserveCapacity(count)
        for slot in live.indices where live[slot] {
            keptTimes.append(times[slot])
            keptICCIDs.append(iccids[slot])
        }
        times = keptTimes
        iccids = keptICCIDs
        live = [Bool](repeating: true, count: keptTimes.count)
        slots = Dictionary(uniqueKeysWithValues: keptICCIDs.enumerated().map { ($1, $0) })
        rebuildTree()
    }
}
