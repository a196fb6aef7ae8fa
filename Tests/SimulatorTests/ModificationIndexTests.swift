import Foundation
@testable import Simulator
import Testing

@Suite("Modification index")
struct ModificationIndexTests {
    /// Random records, moves and removals, checked page by page against a plain sorted list.
    @Test func pagesMatchASimpleModelThroughGrowthAndCompaction() {
        var index = ModificationIndex()
        var model: [(iccid: String, time: Double)] = []
        var random = SplitMix64(seed: 11)
        var time = 0.0
        for step in 0..<6_000 {
            time += Double(Int.random(in: 0..<3, using: &random))
            let iccid = "89\(Int.random(in: 0..<1_500, using: &random))"
            if Int.random(in: 0..<10, using: &random) == 0 {
                index.remove(iccid)
                model.removeAll { $0.iccid == iccid }
            } else {
                index.record(iccid, at: time)
                model.removeAll { $0.iccid == iccid }
                model.append((iccid, time))
            }
            guard step % 500 == 499 else { continue }
            #expect(index.count == model.count)
            for since in [-1, time / 3, time / 2, time] {
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

    @Test func aHundredThousandSIMsPageQuickly() {
        var index = ModificationIndex()
        for number in 0..<100_000 { index.record("8988\(number)", at: Double(number)) }
        let start = ContinuousClock.now
        var listed = 0
        var offset = 0
        while true {
            let page = index.page(since: -1, offset: offset, limit: 50)
            listed += page.iccids.count
            offset += 50
            if !page.more { break }
        }
        #expect(listed == 100_000)
        // 2,000 pages; a scan per page would be 2e8 steps. Debug builds are slow, so the bound is loose.
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
