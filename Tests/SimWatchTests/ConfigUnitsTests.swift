import Testing
@testable import SimWatch

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
}
