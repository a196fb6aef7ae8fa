import Foundation
import Testing
@testable import SimWatchConfig

/// `minimalYAML` with `key: value` in `section`, and the line and column the value is at.
private func yaml(_ section: String, _ key: String, _ value: String) -> (text: String, line: Int, column: Int) {
    let column = 3 + key.count + 2
    if section == "control_center" {
        let text = minimalYAML.replacingOccurrences(
            of: "  api_key_env: SIMWATCH_API_KEY\n", with: "  api_key_env: SIMWATCH_API_KEY\n  \(key): \(value)\n")
        return (text, 5, column)
    }
    return (minimalYAML + "\(section):\n  \(key): \(value)\n", 7, column)
}

/// Values YAML can spell that have tripped number conversions elsewhere: none may trap or load.
let hostileScalars = [
    ".inf", "-.inf", ".nan", ".NaN", "1e400", "1e300", "-1e300", "0x7fffffffffffffff", "0o777", "9223372036854775807",
    "9223372036854775808", "-9223372036854775809", "99999999999999999999", "18446744073709551616", "9007199254740993",
    "-1", "\"\"", "\" \"", "abc", "[1]", "{ a: 1 }", "1_000", "١٢", "\"\\t5\"", "true", "~x",
]

/// Every number in the configuration is range-checked; out of range is an error at its value.
@Suite struct ConfigBoundsTests {
    static let numericKeys: [(section: String, key: String)] = [
        ("control_center", "api_version"), ("control_center", "timeout"), ("control_center", "rate_limit"),
        ("control_center", "concurrency"), ("poll", "interval"), ("delivery", "max_age"), ("delivery", "group_wait"),
        ("delivery", "max_rate"),
    ]

    @Test(arguments: hostileScalars)
    func hostileValuesAreOneErrorAtTheValue(value: String) {
        for (section, key) in Self.numericKeys {
            let (text, line, column) = yaml(section, key, value)
            let issues = configIssues(text)
            #expect(issues.count == 1, "\(section).\(key): \(value): \(issues)")
            #expect(issues.first?.keyPath == "\(section).\(key)", "\(issues)")
            #expect(issues.first?.line == line && issues.first?.column == column, "\(value): \(issues)")
        }
    }

    @Test(arguments: [
        ("control_center", "timeout", "99ms", "must be at least 100ms"),
        ("control_center", "timeout", "5m1s", "must be at most 5m"),
        ("control_center", "timeout", "0s", "must be more than 0"),
        ("control_center", "timeout", "99999999999999999d", "is too large: at most 5m"),
        ("control_center", "timeout", "1h30m", "must be at most 5m; got \"1h30m\""),
        ("control_center", "timeout", "0.5s", "whole numbers only: 1h30m rather than 1.5h, 500ms rather than 0.5s"),
        ("control_center", "timeout", "-5s", "expected a duration like 500ms"),
        ("control_center", "rate_limit", "0.0009", "must be at least 0.001; got 0.0009"),
        ("control_center", "rate_limit", "100000.1", "must be at most 100000; got 100000.1"),
        ("control_center", "rate_limit", "-0", "must be more than 0; got -0"),
        ("control_center", "rate_limit", "0.\(String(repeating: "0", count: 400))1", "must be more than 0"),
        ("control_center", "rate_limit", "1\(String(repeating: "0", count: 400))", "must be at most 100000"),
        ("control_center", "rate_limit", ".inf", "expected a number; got \".inf\""),
        ("control_center", "concurrency", "65", "must be at most 64; got 65"),
        ("control_center", "concurrency", "0", "must be at least 1; got 0"),
        ("control_center", "concurrency", "99999999999999999999", "must be at most 64"),
        ("control_center", "concurrency", "-99999999999999999999", "must be at least 1"),
        ("control_center", "concurrency", "1.0", "expected a whole number; got \"1.0\""),
        ("control_center", "api_version", "100", "must be at most 99; got 100"),
        ("control_center", "api_version", "0x10", "expected a whole number"),
        ("poll", "interval", "999ms", "must be at least 1s"),
        ("poll", "interval", "7d1ms", "must be at most 7d; got \"7d1ms\""),
        ("poll", "interval", "1h30m1h", "expected a duration"),
        ("delivery", "max_rate", "100.01", "must be at most 100"),
        ("delivery", "max_rate", "0", "must be more than 0"),
        ("delivery", "group_wait", "10m1ms", "must be at most 10m"),
        ("delivery", "max_age", "30d1ms", "must be at most 30d"),
        ("delivery", "max_age", "0s", "must be more than 0"),
    ])
    func outOfRangeSaysWhatIsExpected(section: String, key: String, value: String, message: String) {
        let (text, line, column) = yaml(section, key, value)
        expectSingleIssue(text, line: line, column: column, keyPath: "\(section).\(key)", message: message)
    }

    @Test(arguments: [
        ("control_center", "timeout", "100ms"), ("control_center", "timeout", "5m"),
        ("control_center", "rate_limit", "0.001"), ("control_center", "rate_limit", "100000"),
        ("control_center", "concurrency", "1"), ("control_center", "concurrency", "64"), ("control_center", "concurrency", "+3"),
        ("control_center", "api_version", "99"), ("poll", "interval", "1s"), ("poll", "interval", "7d"),
        ("poll", "interval", "1h30m"), ("delivery", "max_rate", "100"), ("delivery", "max_rate", "0.001"),
        ("delivery", "group_wait", "0s"), ("delivery", "group_wait", "10m"), ("delivery", "max_age", "30d"),
        ("delivery", "max_age", "10s"),
    ])
    func boundsThemselvesAreAccepted(section: String, key: String, value: String) throws {
        _ = try loadedConfig(yaml(section, key, value).text)
    }

    @Test func maxAgeMustCoverGroupWait() {
        expectSingleIssue(minimalYAML + "delivery:\n  group_wait: 10m\n  max_age: 5m\n", line: 8, column: 12,
                          keyPath: "delivery.max_age",
                          message: "max_age (5m) must be at least group_wait (10m): events would expire while they wait for their group")
        let equal = minimalYAML + "delivery: { group_wait: 1m, max_age: 1m }\n"
        #expect(throws: Never.self) { try loadedConfig(equal) }
    }

    @Test(arguments: [
        ("data: 99999999999999999999", "is too large: at most 1PB"),
        ("data: 1e30GB", "expected a size like 500MB"),
        ("data: -1MB", "expected a size like 500MB"),
        ("data: NaNGB", "expected a size like 500MB"),
        ("data: infGB", "expected a size like 500MB"),
        ("data: .inf", "expected a size like 500MB"),
        ("data: 9223372036854775807", "is too large"),
        ("data: 1000000000000001", "is too large"),
        ("data: 9999999999GiB", "is too large"),
        ("sms: 0x7fffffffffffffff", "expected a number of messages"),
        ("sms: 1000000000000001", "is too large: at most 1000000000000000"),
        ("sessions: -0", "expected a number of sessions"),
        ("voice: 99999999999999999d", "is too large"),
        ("voice: 1000000000000001", "is too large"),
        ("voice: 500ms", "voice is counted in whole seconds"),
        ("voice: 0", "must be more than 0"),
    ])
    func planAllowancesAreBounded(entry: String, message: String) {
        let text = minimalYAML + "plans:\n  basic: { \(entry) }\n"
        let issues = configIssues(text)
        #expect(issues.count == 1 && issues.first?.line == 7, "\(issues)")
        #expect(issues.first?.message.contains(message) == true, "\(issues)")
    }

    @Test(arguments: [
        ("data", "0%", "must be more than 0%"),
        ("data", "-0%", "or a percent like 80%"),
        ("data", "100000.1%", "must be at most 100000%"),
        ("data", "1\(String(repeating: "0", count: 400))%", "must be at most 100000%"),
        ("data", "1e2%", "or a percent like 80%"),
        ("data", ".inf%", "or a percent like 80%"),
        ("data", "nan%", "or a percent like 80%"),
        ("sms", "9223372036854775808", "is too large"),
        ("voice", "1e300", "a duration like 60m"),
    ])
    func thresholdLevelsAreBounded(metric: String, above: String, message: String) {
        let text = minimalYAML + "thresholds:\n  - { metric: \(metric), above: \"\(above)\" }\n"
        let issues = configIssues(text)
        #expect(issues.count == 1 && issues.first?.keyPath == "thresholds[0].above", "\(issues)")
        #expect(issues.first?.message.contains(message) == true, "\(issues)")
    }

    @Test func largestPercentAndAmountLoad() throws {
        let text = minimalYAML + """
            plans:
              basic: { data: 1000000000000000, sms: 1000000000000000, voice: 1000000000000000 }
            thresholds:
              - { metric: data, above: 100000% }
              - { metric: data, above: 0.001% }
              - { metric: data, above: 1.999999999999TiB }
            """
        let config = try loadedConfig(text).config
        #expect(config.plans["basic"] == PlanAllowance(data: ConfigBounds.maxAmount, sms: ConfigBounds.maxAmount, voice: ConfigBounds.maxAmount))
        #expect(config.thresholds.map(\.level) == [.percent(100_000), .percent(0.001), .absolute(2_199_023_255_550)])
    }

    /// (Sizes may have spaces around them, as in `500 MB`: a tab-indented `5` is 5 bytes.)
    @Test(arguments: hostileScalars.filter { $0 != "\"\\t5\"" })
    func hostileValuesInPlansAndThresholdsDoNotLoad(value: String) {
        for entry in ["plans:\n  basic: { data: \(value) }", "plans:\n  basic: { voice: \(value) }",
                      "thresholds:\n  - { metric: sms, above: \(value) }", "thresholds:\n  - { metric: data, above: \(value) }"] {
            let issues = configIssues(minimalYAML + entry + "\n")
            #expect(issues.count == 1, "\(entry): \(issues)")
        }
    }

    /// Reload runs the same loader: a bad value is an error there too, which keeps the old configuration.
    @Test func everyHostileValueAnywhereThrowsInsteadOfTrapping() throws {
        let original = try String(contentsOfFile: ConfigExampleTests.examplePath, encoding: .utf8)
        let lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var tried = 0
        for (index, line) in lines.enumerated() {
            // Lines of the form `  key: value` (block mappings): replace the value.
            guard let colon = line.range(of: ": "), !line.trimmingCharacters(in: .whitespaces).hasPrefix("#"),
                  !line.trimmingCharacters(in: .whitespaces).hasPrefix("-") else { continue }
            for value in ["1e400", ".nan", "-0", "99999999999999999999d", "0x7fffffffffffffff"] {
                var mutated = lines
                mutated[index] = String(line[..<colon.upperBound]) + value
                _ = parseConfig(mutated.joined(separator: "\n"), path: "/nonexistent/simwatch.yaml", environment: [:])
                tried += 1
            }
        }
        #expect(tried > 100)
    }
}
