import Foundation
import Testing
@testable import SimWatchCore

/// `Retry-After` comes from whoever answered: every value must give a bounded pause or none.
@Suite struct RetryAfterTests {
    /// Sun, 09 Sep 2001 01:46:40 GMT.
    static let now = Date(timeIntervalSince1970: 1_000_000_000)
    static let cap = RetryAfter.controlCenterCap

    @Test(arguments: [
        ("3", Duration.seconds(3)),
        ("1.5", .milliseconds(1500)),
        ("  7 ", .seconds(7)),
        ("\t7\t", .seconds(7)),
        ("+2", .seconds(2)),
        ("2e1", .seconds(20)),
        ("0", .zero),
        ("-0", .zero),
        ("-5", .zero),
        ("-1e300", .zero),
        ("-inf", .zero),
        ("1e-300", .zero),
        ("Sun, 09 Sep 2001 01:46:50 GMT", .seconds(10)),
        ("Sun, 09 Sep 2001 01:46:00 GMT", .zero),
        ("Sun, 09 Sep 2001 01:46:40 GMT", .zero),
    ])
    func honoursValuesWithinTheCap(value: String, expected: Duration) {
        #expect(RetryAfter.parse(value, now: Self.now, cap: Self.cap) == expected, "Retry-After: \(value)")
    }

    @Test(arguments: [
        "30.0000001", "31", "1e300", "99999999999999999999", "9223372036854775807", "9007199254740993",
        "inf", "+inf", "Infinity", "INF", String(repeating: "9", count: 10_000),
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ])
    func aLargerValueCountsAsTheCap(value: String) {
        #expect(RetryAfter.parse(value, now: Self.now, cap: Self.cap) == Self.cap, "Retry-After: \(value.prefix(40))")
    }

    @Test(arguments: [
        "", "   ", "\t", "nan", "NaN", "-nan", "+nan", "-", "+", ".", "1e", "e5", "soon", "0x10", "0x1p3", "1,5", "3 s",
        "\u{FF13}", "\u{FFFD}", "1 2", "Sun, 32 Sep 2001 01:46:50 GMT", "Sun, 09 Sep 2001 01:46:50",
        String(repeating: "Sun, ", count: 1000), "Sun\u{301}, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT\u{0}",
    ])
    func anUnparseableValueIsIgnored(value: String) {
        #expect(RetryAfter.parse(value, now: Self.now, cap: Self.cap) == nil, "Retry-After: \(value.prefix(40))")
    }

    @Test func noHeaderIsNoPause() {
        #expect(RetryAfter.parse(nil, now: Self.now, cap: Self.cap) == nil)
    }

    @Test func theWebhookCapIsAnHour() {
        #expect(RetryAfter.parse("1e300", now: Self.now, cap: .seconds(3600)) == .seconds(3600))
        #expect(RetryAfter.parse("3599", cap: .seconds(3600)) == .seconds(3599))
        // Without a cap argument the longest documented one applies, never an unbounded pause.
        #expect(RetryAfter.parse("1e300") == RetryAfter.webhookCap)
        #expect(RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT") == RetryAfter.webhookCap)
    }

    @Test func aZeroOrNegativeCapAllowsNoPause() {
        #expect(RetryAfter.parse("5", now: Self.now, cap: .zero) == .zero)
        #expect(RetryAfter.parse("5", now: Self.now, cap: .seconds(-5)) == .zero)
    }

    @Test(arguments: [
        (Double.nan, Duration?.none),
        (-Double.nan, nil),
        (.infinity, .seconds(30)),
        (-.infinity, .zero),
        (-0.0, .zero),
        (.greatestFiniteMagnitude, .seconds(30)),
        (.leastNonzeroMagnitude, .zero),
        (1e-300, .zero),
        (2.5, .milliseconds(2500)),
        (29.999, .milliseconds(29999)),
        (Double(Int64.max), .seconds(30)),
    ])
    func boundedNeverTraps(seconds: Double, expected: Duration?) {
        #expect(RetryAfter.bounded(seconds: seconds, cap: Self.cap) == expected, "\(seconds)")
    }

    @Test func theObsoleteDateFormatsStillParse() {
        #expect(RetryAfter.parse("Sunday, 09-Sep-01 01:46:50 GMT", now: Self.now, cap: Self.cap) == .seconds(10))
        #expect(RetryAfter.parse("Sun Sep 9 01:46:50 2001", now: Self.now, cap: Self.cap) == .seconds(10))
    }

    @Test func theSharedFormattersParseFromManyTasksAtOnce() async {
        let results = await withTaskGroup(of: [Duration?].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<100).map { _ in RetryAfter.parse("Sun, 09 Sep 2001 01:46:50 GMT", now: Self.now, cap: Self.cap) }
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(results.count == 800)
        #expect(results.allSatisfy { $0 == .seconds(10) })
    }
}
