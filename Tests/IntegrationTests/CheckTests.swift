import Foundation
import Simulator
import Testing

@Suite(.serialized) struct CheckTests {
    @Test func checkShowsNoSecretAndTheOnlineCallWorks() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let offline = try await SimwatchProcess.run(["check", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stdout.contains("3 ("))
        #expect(offline.stdout.contains("ops: generic -> http://127.0.0.1:"))
        let online = try await SimwatchProcess.run(["check", "--config", fixture.configPath, "--online"], in: fixture.folder.path, environment: fixture.environment)
        #expect(online.status == 0, "\(online.stdout)\(online.stderr)")
        #expect(online.stdout.contains("OK: \(fixture.iccids[0])"))
        var wrong = fixture.environment
        wrong["SIMWATCH_TEST_KEY"] = "CANARY-WRONG-KEY"
        let rejected = try await SimwatchProcess.run(["check", "--config", fixture.configPath, "--online"], in: fixture.folder.path, environment: wrong)
        #expect(rejected.status == 1)
        #expect(rejected.stdout.contains("invalid credentials"))
        for output in [offline, online, rejected] {
            let all = output.stdout + output.stderr
            #expect(!all.contains(Fixture.apiKey) && !all.contains("CANARY-HOOK-TOKEN") && !all.contains("CANARY-WRONG-KEY"))
        }
    }

    @Test func misspeltKeyExits78WithItsPosition() async throws {
        let folder = try TempFolder()
        try folder.write("simwatch.yaml", """
            control_center:
              base_url: https://cc.example.com
              username: apiuser
              api_key_env: KEY
            poll:
              intervall: 5m
            devices: ["8988216716970004975"]
            """)
        let result = try await SimwatchProcess.run(["check", "--config", "simwatch.yaml"], in: folder.path, environment: ["KEY": "CANARY-KEY-1"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("simwatch.yaml:6:3: poll.intervall: unknown key \"intervall\"; did you mean \"interval\"?"))
        #expect(!result.stderr.contains("CANARY-KEY-1"))
        let once = try await SimwatchProcess.run(["once", "--config", "simwatch.yaml"], in: folder.path, environment: ["KEY": "k"])
        #expect(once.status == 78)
        let usage = try await SimwatchProcess.run(["once"], in: folder.path)
        #expect(usage.status == 64)
    }

    /// The example of issue 8: a listen address `check` accepted and `run` could not bind.
    @Test func aListenNameThatWouldNeedDNSFailsCheckAndRunAlike() async throws {
        let folder = try TempFolder()
        try folder.write("simwatch.yaml", """
            control_center:
              base_url: https://cc.example.com
              username: apiuser
              api_key_env: KEY
            devices: ["8988216716970004975"]
            state_file: state.json
            metrics:
              listen: example.com:9464
            """)
        let message = "simwatch.yaml:8:11: metrics.listen: expected host:port with an IP address or localhost as the host"
        for command in ["check", "once", "run"] {
            let result = try await SimwatchProcess.run([command, "--config", "simwatch.yaml"], in: folder.path, environment: ["KEY": "k"])
            #expect(result.status == 78, "\(command): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(command): \(result.stderr)")
        }
    }

    /// Numbers no conversion can hold are configuration errors with their position, never a crash.
    @Test func hostileNumbersExit78WithTheirPositions() async throws {
        let folder = try TempFolder()
        try folder.write("simwatch.yaml", """
            control_center:
              base_url: https://cc.example.com
              username: apiuser
              api_key_env: KEY
              rate_limit: 1\(String(repeating: "0", count: 400))
              concurrency: 0x7fffffffffffffff
              timeout: 99999999999999999d
            poll: { interval: .inf }
            devices: ["8988216716970004975"]
            plans:
              basic: { data: 1e30GB, sms: 99999999999999999999, voice: -5s }
            thresholds:
              - { metric: data, above: 100001% }
              - { metric: data, above: NaNGB }
            delivery: { max_rate: 1e300, group_wait: 10m, max_age: 1m }
            """)
        let result = try await SimwatchProcess.run(["check", "--config", "simwatch.yaml"], in: folder.path, environment: ["KEY": "k"])
        #expect(result.status == 78, "\(result.stderr)")
        for place in ["5:15: control_center.rate_limit: must be at most 100000", "6:16: control_center.concurrency",
                      "7:12: control_center.timeout: is too large", "8:19: poll.interval", "11:18: plans.basic.data",
                      "11:31: plans.basic.sms: is too large", "11:60: plans.basic.voice", "13:28: thresholds[0].above",
                      "14:28: thresholds[1].above", "15:23: delivery.max_rate", "15:56: delivery.max_age"] {
            #expect(result.stderr.contains("simwatch.yaml:\(place)"), "\(place) in \(result.stderr)")
        }
    }

    @Test func checkNotesAFastRateAndWarnsAboutTheWatchdog() async throws {
        let folder = try TempFolder()
        try folder.write("simwatch.yaml", """
            control_center:
              base_url: https://cc.example.com
              username: apiuser
              api_key_env: KEY
              rate_limit: 20
              timeout: 30s
            devices: ["8988216716970004975"]
            """)
        let result = try await SimwatchProcess.run(["check", "--config", "simwatch.yaml"], in: folder.path, environment: ["KEY": "k"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("simwatch.yaml:5:15: note: control_center.rate_limit: 20 requests/s is above the 5/s"))
        #expect(result.stderr.contains("simwatch.yaml:6:12: warning: control_center.timeout: a request that times out 3 times"))
        #expect(result.stdout.contains("configuration OK"))
    }

    /// Reload runs the same validation: an out-of-range value is refused and the daemon goes on.
    @Test func anOutOfRangeValueOnReloadKeepsTheOldConfiguration() async throws {
        let fixture = try await Fixture.start(interval: "1s")
        defer { Task { await fixture.stop() } }
        let daemon = try SimwatchProcess(["run", "--config", fixture.configPath], in: fixture.folder.path, environment: fixture.environment)
        #expect(await daemon.waitForLog { $0.contains("cycle finished") })
        let good = try #require(fixture.folder.read("simwatch.yaml"))
        try fixture.folder.write("simwatch.yaml", good
            .replacingOccurrences(of: "rate_limit: 50", with: "rate_limit: 1e300")
            .replacingOccurrences(of: "data: 10GB", with: "data: 99999999999999999999"))
        daemon.signal(SIGHUP)
        #expect(await daemon.waitForLog { $0.contains("configuration reload failed") && $0.contains("control_center.rate_limit") })
        let cyclesBefore = daemon.stderr.components(separatedBy: "cycle finished").count
        #expect(await daemon.waitForLog { $0.components(separatedBy: "cycle finished").count > cyclesBefore })
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: .seconds(5)) == 0)
    }
}
