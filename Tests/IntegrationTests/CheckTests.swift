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
}
