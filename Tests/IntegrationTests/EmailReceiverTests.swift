import CurlHTTP
import Foundation
import Simulator
import Testing

/// `simwatch once` mails a status change to the simulator's SMTP sink: the binary's
/// whole path, configuration to SMTP, with the password only where it belongs.
@Suite(.serialized) struct EmailReceiverTests {
    static let password = "CANARY-SMTP-PASSWORD-91"

    @Test func onceMailsAStatusChangeThroughSMTP() async throws {
        let smtp = SMTPSink(user: "simwatch", password: Self.password)
        let port = try smtp.start()
        defer { smtp.stop() }
        let fixture = try await Fixture.start(extraYAML: """
              - name: mail
                format: email
                url: smtp://127.0.0.1:\(port)
                from: simwatch@example.com
                to: [ops@example.com]
                username: simwatch
                password_env: SIMWATCH_TEST_SMTP_PASSWORD
            """)
        defer { Task { await fixture.stop() } }
        let environment = fixture.environment.merging(["SIMWATCH_TEST_SMTP_PASSWORD": Self.password]) { $1 }
        func once() async throws -> (status: Int32, stdout: String, stderr: String) {
            try await SimwatchProcess.run(["once", "--config", fixture.configPath], in: fixture.folder.path, environment: environment)
        }

        let baseline = try await once()
        #expect(baseline.status == 0, "stderr: \(baseline.stderr)")
        #expect(smtp.messages.isEmpty)

        let iccid = try #require(fixture.iccids.first)
        let patch = try await CurlHTTPClient().execute(HTTPRequest(
            method: "PATCH", url: "\(await fixture.simulator.baseURL)/_sim/devices/\(iccid)",
            headers: [("Content-Type", "application/json")], body: Data(#"{"status":"RETIRED"}"#.utf8)))
        #expect(patch.status == 200)

        let second = try await once()
        #expect(second.status == 0, "stderr: \(second.stderr)")
        let message = try #require(smtp.messages.first)
        #expect(smtp.messages.count == 1)
        #expect(message.from == "simwatch@example.com" && message.recipients == ["ops@example.com"])
        #expect(message.user == "simwatch")
        let text = String(decoding: message.data, as: UTF8.self)
        #expect(text.contains("\r\nSubject: [simwatch] 1 alert: unit-1 (\(iccid)): status "))
        #expect(text.contains("-> RETIRED"))
        #expect(second.stderr.contains("webhook=mail"), "stderr: \(second.stderr)")

        let state = try String(contentsOfFile: "\(fixture.folder.path)/state.json", encoding: .utf8)
        for output in [baseline.stderr, second.stderr, state] {
            #expect(!output.contains(Self.password))
        }
    }
}
