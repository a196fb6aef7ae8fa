import Foundation
import Testing
@testable import SimWatchCore

/// The one date formatter family (`Timestamp`), with the nastiest dates a clock or file can give.
@Suite("Toolkit: Timestamp")
struct ToolkitTimestampTests {
    @Test(arguments: [
        (1_795_773_600.0, "2026-11-27T10:00:00Z", "2026-11-27 10:00 UTC"),
        (1_795_773_659.999, "2026-11-27T10:00:59Z", "2026-11-27 10:00 UTC"),
        (-0.0, "1970-01-01T00:00:00Z", "1970-01-01 00:00 UTC"),
        (-1.0, "1969-12-31T23:59:59Z", "1969-12-31 23:59 UTC"),
        (1e300, "9999-12-31T23:59:59Z", "9999-12-31 23:59 UTC"),
        (-1e300, "0000-01-01T00:00:00Z", "0000-01-01 00:00 UTC"),
        (Double.infinity, "9999-12-31T23:59:59Z", "9999-12-31 23:59 UTC"),
        (Double.nan, "1970-01-01T00:00:00Z", "1970-01-01 00:00 UTC"),
        (9_007_199_254_740_992.0, "9999-12-31T23:59:59Z", "9999-12-31 23:59 UTC"),
    ])
    func formsNeverTrap(seconds: Double, rfc3339: String, minute: String) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(Timestamp.rfc3339(date) == rfc3339)
        #expect(Timestamp.minuteUTC(date) == minute)
        _ = Timestamp.rfc3339Milliseconds(date)
        _ = Timestamp.timeOfDay(date, offsetSeconds: .max)
    }

    @Test func rfc3339ParsesWhatItWrites() {
        for seconds in [0.0, 1_795_773_600, -86_400, 253_402_300_799] {
            let text = Timestamp.rfc3339(Date(timeIntervalSince1970: seconds))
            let parsed = Array(text.utf8).withUnsafeBufferPointer(Timestamp.parse)
            #expect(parsed == Date(timeIntervalSince1970: seconds), "\(text)")
        }
    }

    @Test(arguments: [(0, "10:00:00"), (3600, "11:00:00"), (-36_000, "00:00:00"), (Int.max, "10:00:00"), (Int.min, "10:00:00")])
    func timeOfDayAtAnOffset(offset: Int, expected: String) {
        #expect(Timestamp.timeOfDay(Date(timeIntervalSince1970: 1_795_773_600), offsetSeconds: offset) == expected)
    }

    /// 2001-09-09T01:46:50Z in the three forms RFC 9110 requires, with the spacing asctime uses.
    @Test(arguments: [
        "Sun, 09 Sep 2001 01:46:50 GMT", "Sunday, 09-Sep-01 01:46:50 GMT", "Sun Sep  9 01:46:50 2001", "Sun Sep 9 01:46:50 2001",
    ])
    func httpDates(text: String) {
        #expect(Timestamp.httpDate(text) == Date(timeIntervalSince1970: 1_000_000_010))
    }

    @Test(arguments: [
        "", " ", "GMT", "Sun, 31 Feb 2001 01:46:50 GMT", "Sun, 32 Sep 2001 01:46:50 GMT", "Sun, +9 Sep 2001 01:46:50 GMT",
        "Sun, 09 Sep 2001 24:00:00 GMT", "Sun, 09 Sep 2001 01:46:50 UTC", "Sun, 09 Sep 2001 01:46:50", "Xyz, 09 Sep 2001 01:46:50 GMT",
        "Sun, 09 Foo 2001 01:46:50 GMT", "Sun, 09 Sep 2001 1:46:50 GMT", "Sun, 9 Sep 2001 01:46:50 GMT",
        "Sun\u{301}, 09 Sep 2001 01:46:50 GMT", "Sun, 09 Sep 2001 01:46:50 GMT\u{0}", String(repeating: "Sun, ", count: 1000),
        "Sun, 99999999999999999999 Sep 2001 01:46:50 GMT",
    ])
    func notHTTPDates(text: String) {
        #expect(Timestamp.httpDate(text) == nil)
    }

    @Test func twoDigitYearsBeforeFiftyAreThisCentury() {
        #expect(Timestamp.httpDate("Thursday, 01-Jan-70 00:00:00 GMT") == Date(timeIntervalSince1970: 0))
        #expect(Timestamp.httpDate("Saturday, 01-Jan-00 00:00:00 GMT") == Date(timeIntervalSince1970: 946_684_800))
    }

    /// `JSONEncoder.simwatch()` writes dates with `Timestamp`, and its decoder reads them back (and refuses garbage).
    @Test func coderDatesAreTimestamps() throws {
        let dates = [Date(timeIntervalSince1970: 1_795_773_600), Date(timeIntervalSince1970: 1e300)]
        let data = try JSONEncoder.simwatch().encode(dates)
        #expect(String(decoding: data, as: UTF8.self) == #"["2026-11-27T10:00:00Z","9999-12-31T23:59:59Z"]"#)
        let decoded = try JSONDecoder.simwatch().decode([Date].self, from: Data(#"["2026-11-27T11:00:00+01:00"]"#.utf8))
        #expect(decoded == [dates[0]])
        #expect(throws: DecodingError.self) { try JSONDecoder.simwatch().decode([Date].self, from: Data(#"["yesterday"]"#.utf8)) }
    }
}

/// The one Duration helper: conversions that never trap.
@Suite("Toolkit: Duration")
struct ToolkitDurationTests {
    @Test func secondsAndMilliseconds() {
        #expect(Duration.milliseconds(1_500).seconds == 1.5)
        #expect(Duration.milliseconds(1_500).milliseconds == 1_500)
        #expect(Duration.milliseconds(1_500).wholeMilliseconds == 1_500)
        #expect(Duration.microseconds(1_999).wholeMilliseconds == 1)
        #expect(Duration.microseconds(-1_999).wholeMilliseconds == -1)
        #expect(Duration.zero.wholeMilliseconds == 0)
    }

    @Test func wholeMillisecondsClamps() {
        #expect(Duration.seconds(Int64.max).wholeMilliseconds == .max)
        #expect(Duration.seconds(Int64.min).wholeMilliseconds == .min)
        #expect(Duration.seconds(Int64.max / 1_000).wholeMilliseconds == Int64.max / 1_000 * 1_000)
    }

    @Test(arguments: [
        (1.5, Duration.milliseconds(1_500)), (0, .zero), (-0.0, .zero), (-1e300, .zero), (-Double.infinity, .zero),
        (1e300, .seconds(3_600)), (Double.infinity, .seconds(3_600)), (9_007_199_254_740_992.0, .seconds(3_600)),
        (3_599.9999999999, .seconds(3_600)), (Double.leastNonzeroMagnitude, .zero),
    ])
    func boundedFromDouble(seconds: Double, expected: Duration) {
        #expect(Duration.bounded(seconds: seconds, cap: .seconds(3_600)) == expected)
    }

    @Test func boundedNaNIsNil() {
        #expect(Duration.bounded(seconds: .nan, cap: .seconds(1)) == nil)
        #expect(Duration.bounded(seconds: 5, cap: .seconds(-1)) == .zero)
    }
}

/// The one throttle, on an injected clock.
@Suite("Toolkit: Throttle")
struct ToolkitThrottleTests {
    @Test func admitsOncePerGap() {
        let start = ContinuousClock.now
        let throttle = Throttle(minimumGap: .seconds(1), now: { start })
        #expect(throttle.admit(at: start))
        #expect(!throttle.admit(at: start + .milliseconds(999)))
        #expect(throttle.admit(at: start + .seconds(1)))
        #expect(!throttle.admit(at: start + .milliseconds(1_500)))
        #expect(!throttle.admit())
        #expect(throttle.admit(at: start + .seconds(2)))
    }

    @Test func aZeroGapAdmitsEverything() {
        let throttle = Throttle(minimumGap: .zero)
        #expect((0..<5).allSatisfy { _ in throttle.admit() })
    }
}
