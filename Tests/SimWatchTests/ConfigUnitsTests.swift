import Testing
@testable import SimWatchConfig
@testable import SimWatchCore

@Suite struct ConfigUnitsTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)),
        ("30s", .seconds(30)),
        ("5m", .seconds(300)),
        ("2h", .seconds(7200)),
        ("1d", .seconds(86_400)),
        ("1h30m", .seconds(5400)),
        ("1m500ms", .milliseconds(60_500)),
        ("0s", .zero),
    ])
    func durations(text: String, expected: Duration) {
        #expect(ConfigUnits.duration(text) == expected)
    }

    @Test(arguments: ["", "15", "15 m", "m", "1.5h", "30m1h", "1h1h", "-5s", "5sec", "99999999999999h"])
    func rejectedDurations(text: String) {
        #expect(ConfigUnits.duration(text) == nil)
    }

    @Test(arguments: [
        ("1024", Int64(1024)),
        ("0", 0),
        ("12B", 12),
        ("500KB", 500_000),
        ("500MB", 500_000_000),
        ("1GB", 1_000_000_000),
        ("1.1GB", 1_100_000_000),
        ("2TB", 2_000_000_000_000),
        ("1KiB", 1024),
        ("512MiB", 536_870_912),
        ("1GiB", 1_073_741_824),
        ("1.5KiB", 1536),
        ("500 MB", 500_000_000),
        ("1gb", 1_000_000_000),
    ])
    func sizes(text: String, expected: Int64) {
        #expect(ConfigUnits.size(text) == expected)
    }

    @Test(arguments: ["", "MB", "1XB", "1.2.3MB", "-1MB", "1e9", ".5GB", "99999999999GB"])
    func rejectedSizes(text: String) {
        #expect(ConfigUnits.size(text) == nil)
    }

    @Test(arguments: [("80%", 80.0), ("100%", 100), ("12.5%", 12.5), ("150%", 150)])
    func percents(text: String, expected: Double) {
        #expect(ConfigUnits.percent(text) == expected)
    }

    @Test(arguments: ["80", "%", "eighty%", "-5%", "1e2%", "80%%"])
    func rejectedPercents(text: String) {
        #expect(ConfigUnits.percent(text) == nil)
    }

    @Test func countsAndNumbers() {
        #expect(ConfigUnits.count("500") == 500)
        #expect(ConfigUnits.count("-1") == nil)
        #expect(ConfigUnits.count("1.5") == nil)
        #expect(ConfigUnits.number("0.5") == 0.5)
        #expect(ConfigUnits.number("0x10") == nil)
        #expect(ConfigUnits.number(".inf") == nil)
    }

    @Test(arguments: [
        ("data", "500MB", Int64(500_000_000)),
        ("sms", "400", 400),
        ("sessions", "12", 12),
        ("voice", "60m", 3600),
        ("voice", "90", 90),
    ])
    func thresholdAmountsUseTheMetricsUnit(metric: String, text: String, expected: Int64) throws {
        let metric = try #require(Metric(rawValue: metric))
        #expect(try ConfigThresholds.amount(text, of: metric, percentAllowed: true) == expected)
    }

    @Test func suggestionsFindTyposOnly() {
        #expect(closestKey(to: "intervall", in: ["interval"]) == "interval")
        #expect(closestKey(to: "ratelimit", in: ConfigSections.controlCenterKeys) == "rate_limit")
        #expect(closestKey(to: "usrename", in: ConfigSections.controlCenterKeys) == "username")
        #expect(closestKey(to: "colour", in: ConfigSections.controlCenterKeys) == nil)
    }

    @Test(arguments: [
        ("99999999999999999d", ConfigUnits.Parsed<Duration>.tooLarge),
        ("106751991168d", .tooLarge),
        ("1d99999999999999999999ms", .tooLarge), ("1d9223372036854775807ms", .tooLarge),
        ("99999999999999999x", .invalid),
        ("99999999999999999d1x", .invalid),
        ("0.5s", .invalid), ("-5s", .invalid), ("+5s", .invalid), ("5 s", .invalid), ("1e3s", .invalid), ("", .invalid),
        ("106751991d", .value(.seconds(106_751_991 * 86_400))),
        ("1h30m", .value(.seconds(5400))),
    ])
    func durationsTellTooLargeFromGarbage(text: String, expected: ConfigUnits.Parsed<Duration>) {
        #expect(ConfigUnits.parseDuration(text) == expected)
    }

    @Test(arguments: [
        ("99999999999999999999", ConfigUnits.Parsed<Int64>.tooLarge),
        ("9223372036854775807", .value(.max)),
        ("9223372036854775808", .tooLarge),
        ("9999999999GiB", .tooLarge),
        ("8388608TiB", .tooLarge),
        ("8388607.999999999999TiB", .value(9_223_370_937_343_148_032 + 1_099_511_627_774)),
        ("1.999999999999TiB", .value(2_199_023_255_550)),
        ("0.000000000001TiB", .value(1)),
        ("1.5", .value(1)),
        ("1e30GB", .invalid), ("-1MB", .invalid), ("NaNGB", .invalid), ("infGB", .invalid), ("nan", .invalid),
        ("0x10", .invalid), ("1,5MB", .invalid), ("", .invalid), (" ", .invalid), ("1 2MB", .invalid),
    ])
    func sizesTellTooLargeFromGarbage(text: String, expected: ConfigUnits.Parsed<Int64>) {
        #expect(ConfigUnits.parseSize(text) == expected)
    }

    @Test func countsAndPercentsTellTooLargeFromGarbage() {
        #expect(ConfigUnits.parseCount("99999999999999999999") == .tooLarge)
        #expect(ConfigUnits.parseCount("-0") == .invalid)
        #expect(ConfigUnits.parseCount("١٢") == .invalid)
        #expect(ConfigUnits.parsePercent("1\(String(repeating: "0", count: 400))%") == .tooLarge)
        #expect(ConfigUnits.percent("1\(String(repeating: "0", count: 400))%") == nil)
        #expect(ConfigUnits.parsePercent(".inf%") == .invalid)
        #expect(ConfigUnits.parsePercent("nan%") == .invalid)
        #expect(ConfigUnits.parsePercent("-0%") == .invalid)
        #expect(ConfigUnits.parsePercent("100000%") == .value(100_000))
        #expect(ConfigUnits.number("1\(String(repeating: "0", count: 400))") == .infinity)
    }
}
