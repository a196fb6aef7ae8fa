import Testing
@testable import SimWatchConfig
@testable import SimWatchCore

/// `timeout` × 3 plus backoff must fit in half the systemd watchdog period, or `check` warns.
@Suite struct ConfigWatchdogTests {
    @Test(arguments: [
        (nil, Duration.seconds(120)), ("10000000", .seconds(10)), ("120000000", .seconds(120)),
        ("2592000000000", .seconds(30 * 86_400)), ("2592000000001", .seconds(120)),
        ("", .seconds(120)), ("0", .seconds(120)), ("-5", .seconds(120)), ("garbage", .seconds(120)),
        ("1e9", .seconds(120)), (" 10000000", .seconds(120)), ("10000000 ", .seconds(120)), ("+10000000", .seconds(120)),
        ("18446744073709551615", .seconds(120)), ("18446744073709551616", .seconds(120)),
        ("99999999999999999999999999999", .seconds(120)), ("١٠", .seconds(120)),
    ] as [(String?, Duration)])
    func periodFromTheEnvironment(value: String?, expected: Duration) {
        let environment = value.map { ["WATCHDOG_USEC": $0] } ?? [:]
        #expect(WatchdogBudget.period(environment: environment) == expected)
    }

    @Test(arguments: [
        (Duration.seconds(10), Duration.seconds(120), false),
        (.seconds(19), .seconds(120), false),     // 57 s + 1.8 s backoff = 58.8 s <= 60 s
        (.milliseconds(19_400), .seconds(120), false), // exactly 60 s
        (.milliseconds(19_401), .seconds(120), true),
        (.seconds(20), .seconds(120), true),
        (.seconds(300), .seconds(120), true),
        (.seconds(1), .seconds(10), false),       // 4.8 s <= 5 s
        (.seconds(2), .seconds(10), true),
        (.milliseconds(100), .seconds(1), true),  // the backoff alone exceeds 0.5 s
        (.seconds(300), .seconds(30 * 86_400), false),
    ])
    func warnsWhenTheWorstCaseExceedsHalfTheWatchdog(timeout: Duration, watchdog: Duration, warns: Bool) {
        #expect((WatchdogBudget.warning(timeout: timeout, watchdog: watchdog) != nil) == warns)
    }

    @Test func theWarningExplainsTheSum() {
        #expect(WatchdogBudget.warning(timeout: .seconds(20), watchdog: .seconds(120)) ==
            "a request that times out 3 times takes up to 61.8s (3 × 20s plus 1.8s backoff), more than half the systemd "
            + "watchdog period of 2m: lower timeout or raise WatchdogSec= so that a slow Control Center cannot get simwatch killed")
    }

    @Test func hostilePoliciesDoNotTrap() {
        let policies = [
            RetryPolicy(attempts: .max, baseDelay: .seconds(Int64.max), maxDelay: .seconds(Int64.max), jitter: .nan),
            RetryPolicy(attempts: 0, baseDelay: .seconds(-5), maxDelay: .seconds(Int64.min), jitter: -.infinity),
            RetryPolicy(jitter: .infinity),
        ]
        for policy in policies {
            for timeout in [Duration.seconds(Int64.max), .seconds(Int64.min), .zero] {
                _ = WatchdogBudget.warning(timeout: timeout, watchdog: .seconds(Int64.max), retry: policy)
                _ = WatchdogBudget.warning(timeout: timeout, watchdog: .zero, retry: policy)
            }
        }
    }

    @Test func configurationWarnsAtTheTimeout() throws {
        let yaml = minimalYAML.replacingOccurrences(
            of: "  api_key_env: SIMWATCH_API_KEY\n", with: "  api_key_env: SIMWATCH_API_KEY\n  timeout: 30s\n")
        let warnings = try loadedConfig(yaml).warnings.filter { $0.keyPath == "control_center.timeout" }
        #expect(warnings.count == 1)
        #expect(warnings.first?.line == 5 && warnings.first?.column == 12)
        #expect(warnings.first?.message.hasPrefix("a request that times out 3 times takes up to 91.8s") == true)
    }

    @Test func theDaemonsOwnWatchdogCountsWhenSet() throws {
        var environment = canaryEnvironment
        environment["WATCHDOG_USEC"] = "10000000"
        let warnings = try loadedConfig(minimalYAML, environment: environment).warnings
            .filter { $0.keyPath == "control_center.timeout" }
        // The default 10 s timeout: reported at the mapping that lacks the key.
        #expect(warnings.map(\.line) == [2] && warnings.map(\.column) == [3], "\(warnings)")
        #expect(warnings.first?.message.contains("watchdog period of 10s") == true)
    }
}
