import Foundation
@testable import Simulator
import Testing

@Suite("Modification index")
struct ModificationIndexTests {
    /// Random records, moves, retirements and removals, checked page by page against a plain list.
    @Test func pagesMatchASimpleModelThroughGrowthGhostsAndCompaction() {
        struct Entry { var iccid: String; var time: Double; var ghostSince: Double? }
        var index = ModificationIndex(ghostLifetime: 40)
        var model: [Entry] = []
        var random = SplitMix64(seed: 11)
        var time = 0.0
        func expire(_ now: Double) { model.removeAll { $0.ghostSince.map { $0 < now - 40 } ?? false } }
        for step in 0..<6_000 {
            time += Double(Int.random(in: 0..<3, using: &random))
            let iccid = "89\(Int.random(in: 0..<1_500, using: &random))"
            let live = model.firstIndex { $0.iccid == iccid && $0.ghostSince == nil }
            switch Int.random(in: 0..<20, using: &random) {
            case 0, 1:
                index.remove(iccid)
                if let live { model.remove(at: live) }
            case 2:
                index.retire(iccid, at: time)
                if let live { model[live].ghostSince = time }
            default:
                index.record(iccid, at: time)
                if let live { model[live].ghostSince = time }
                model.append(Entry(iccid: iccid, time: time, ghostSince: nil))
                expire(time)
            }
            guard step % 500 == 499 else { continue }
            #expect(index.count == model.filter { $0.ghostSince == nil }.count)
            for since in [-1, time / 3, time / 2, time - 30, time] {
                for size in [1, 7, 50] {
                    let expected = model.filter { $0.time >= since }.map(\.iccid)
                    var listed: [String] = []
                    var offset = 0
                    while true {
                        let page = index.page(since: since, offset: offset, limit: size)
                        listed += page.iccids
                        offset += size
                        if !page.more { break }
                    }
                    #expect(listed == expected, "since \(since), size \(size), step \(step)")
                }
            }
            let upTo = time / 2
            let window = index.page(since: time / 4, until: upTo, offset: 0, limit: 100_000)
            #expect(window.iccids == model.filter { $0.time >= time / 4 && $0.time <= upTo }.map(\.iccid))
            #expect(!window.more)
        }
        index.expireGhosts(now: time + 1_000)
        expire(time + 1_000)
        #expect(index.page(since: -1, offset: 0, limit: 100_000).iccids == model.map(\.iccid))
    }

    /// Control Center's clients report duplicates rather than gaps when a device changes mid-listing.
    @Test func aDeviceModifiedMidListingIsListedTwiceAndNoOtherIsSkipped() {
        var index = ModificationIndex(ghostLifetime: 900)
        for number in 0..<10 { index.record("d\(number)", at: Double(number)) }
        let first = index.page(since: 0, offset: 0, limit: 5)
        #expect(first.iccids == ["d0", "d1", "d2", "d3", "d4"] && first.more)
        index.record("d2", at: 100)
        let second = index.page(since: 0, offset: 5, limit: 5)
        #expect(second.iccids == ["d5", "d6", "d7", "d8", "d9"] && second.more)
        let third = index.page(since: 0, offset: 10, limit: 5)
        #expect(third.iccids == ["d2"] && !third.more)
        index.expireGhosts(now: 1_001)
        #expect(index.page(since: 0, offset: 0, limit: 50).iccids == ["d0", "d1", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "d2"])
    }

    @Test func edgesNeverTrap() {
        var index = ModificationIndex()
        #expect(index.page(since: 0, offset: 0, limit: 50).iccids.isEmpty)
        index.record("a", at: .nan)
        index.record("b", at: -.infinity)
        index.record("c", at: 5)
        index.record("d", at: 1)
        #expect(index.page(since: -.infinity, offset: 0, limit: 10).iccids == ["a", "b", "c", "d"])
        #expect(index.time(of: "d") == 5)
        #expect(index.page(since: .nan, offset: 0, limit: 10).iccids.isEmpty)
        for (offset, limit) in [(Int.max, 10), (-1, 10), (0, 0), (0, -5), (Int.min, Int.max)] {
            let page = index.page(since: 0, offset: offset, limit: limit)
            #expect(page.iccids.isEmpty && !page.more, "offset \(offset), limit \(limit)")
        }
        index.remove("zzz")
        #expect(index.count == 4)
    }

    /// No scan per page: listing 100,000 SIMs in 2,000 pages costs about one pass over the log,
    /// where a scan per page would cost 2,000. Measured against such a pass on the same machine
    /// at the same moment, so a busy machine does not make it flaky.
    @Test func aHundredThousandSIMsPageWithoutAScanPerPage() {
        var index = ModificationIndex()
        for number in 0..<100_000 { index.record("8988\(number)", at: Double(number)) }
        let clock = ContinuousClock()
        var listed = 0
        let paging = clock.measure {
            var offset = 0
            while true {
                let page = index.page(since: -1, offset: offset, limit: 50)
                listed += page.iccids.count
                offset += 50
                if !page.more { break }
            }
        }
        let onePass = clock.measure { _ = index.page(since: -1, offset: 0, limit: 100_000) }
        #expect(listed == 100_000)
        #expect(paging < onePass * 200, "paging \(paging), one pass \(onePass)")
    }
}
