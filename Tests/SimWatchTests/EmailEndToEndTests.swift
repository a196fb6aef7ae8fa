import CurlHTTP
import Foundation
import Simulator
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore

/// An e-mail sent through libcurl to the simulator's SMTP sink, then read back by
/// Python's standard `email` parser: subject, recipients and body as a mail reader sees them.
@Suite struct EmailEndToEndTests {
    typealias F = FormatFixtures
    static let password = "CANARY-SMTP-PASSWORD"

    static func webhook(port: UInt16, host: String = "127.0.0.1", login: Bool = true) -> WebhookSettings {
        let settings = EmailSettings(
            from: "simwatch@example.com", to: ["ops@example.com", "noc@example.org"],
            login: login ? .init(username: "simwatch", password: Secret(password)) : nil)
        return WebhookSettings(name: "mail", url: Secret("smtp://\(host):\(port)"), settings: .email(settings))
    }

    /// A batch whose texts try everything: non-ASCII, a header injection, a line that is
    /// a lone dot, a line starting with a dot.
    static let events: [Event] = {
        var hostile = F.statusChange(2, name: "Lkw Süd 🚚\r\nBcc: evil@example.com\r\n.\r\n")
        hostile.summary = "\(hostile.deviceName!) (\(hostile.iccid!)): status ACTIVATED -> DEACTIVATED"
        var dotted = F.statusChange(3, name: ".hidden")
        dotted.summary = ".hidden (\(dotted.iccid!)): status ACTIVATED -> DEACTIVATED"
        return [F.statusChange(1), hostile, dotted, F.overage(reached: true)]
    }()

    @Test func aBatchArrivesAsOneMessageThatAMailReaderParses() async throws {
        let sink = SMTPSink(user: "simwatch", password: Self.password)
        let port = try sink.start()
        defer { sink.stop() }
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let hook = Self.webhook(port: port)
        let payloads = try hook.formatter().payloads(for: Self.events)
        #expect(payloads.count == 1)
        let outcome = try await WebhookSender(webhook: hook, http: http).send(try #require(payloads.first))
        #expect(outcome == .delivered(status: 250))

        let message = try #require(sink.messages.first)
        #expect(sink.messages.count == 1)
        #expect(message.from == "simwatch@example.com")
        #expect(message.recipients == ["ops@example.com", "noc@example.org"])
        #expect(message.user == "simwatch")
        // What arrived is what was written: libcurl dot-stuffed, the sink un-stuffed.
        #expect(message.data == payloads.first?.body)

        let parsed = try await Self.parse(message.data)
        #expect(parsed["subject"] == "[simwatch] 4 alerts: truck-001 (8988216716000000001): status ACTIVATED -> DEACTIVATED")
        #expect(parsed["to"] == "ops@example.com, noc@example.org")
        #expect(parsed["from"] == "simwatch <simwatch@example.com>")
        #expect(parsed["bcc"] == "")
        #expect(parsed["defects"] == "0")
        #expect(parsed["date"] != "" && parsed["message_id"]?.hasPrefix("<") == true)
        let body = try #require(parsed["body"])
        #expect(body.hasPrefix("simwatch: 4 alerts\n\n🔴 Status changed\ntruck-001 (8988216716000000001)"))
        #expect(body.contains("Lkw Süd 🚚  Bcc: evil@example.com  .   (8988216716000000002)"))
        #expect(body.contains("\n.hidden (8988216716000000003): status ACTIVATED -> DEACTIVATED\n"))
        for event in Self.events { #expect(body.contains(event.iccid!)) }
        #expect(!body.contains(Self.password) && !String(decoding: message.data, as: UTF8.self).contains(Self.password))
    }

    @Test func aNonASCIISubjectDecodesBack() async throws {
        let sink = SMTPSink()
        let port = try sink.start()
        defer { sink.stop() }
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let hook = Self.webhook(port: port, login: false)
        let event = F.statusChange(4, name: "Lkw Süd 🚚", summary: "Lkw Süd 🚚 (8988216716000000004): status ACTIVATED -> DEACTIVATED")
        let payload = try #require(try hook.formatter().payloads(for: [event]).first)
        #expect(try await WebhookSender(webhook: hook, http: http).send(payload) == .delivered(status: 250))
        let message = try #require(sink.messages.first)
        #expect(message.user == nil)
        let parsed = try await Self.parse(message.data)
        #expect(parsed["subject"] == "[simwatch] 1 alert: Lkw Süd 🚚 (8988216716000000004): status ACTIVATED -> DEACTIVATED")
    }

    @Test func plainSMTPBeyondLoopbackNeedsSTARTTLS() async throws {
        // The sink offers no STARTTLS; reached by an address that is not a loopback name,
        // the sender must refuse to go on in plain text and send nothing.
        let sink = SMTPSink(user: "simwatch", password: Self.password)
        let port = try sink.start()
        defer { sink.stop() }
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let hook = Self.webhook(port: port, host: "[::ffff:127.0.0.1]")
        let payload = try #require(try hook.formatter().payloads(for: [F.statusChange(1)]).first)
        let outcome = try await WebhookSender(webhook: hook, http: http).send(payload)
        guard case .retry(let reason, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason.lowercased().contains("starttls") || reason.lowercased().contains("ssl"), "\(reason)")
        #expect(!reason.contains(Self.password))
        #expect(sink.messages.isEmpty)
    }

    @Test func refusalsMapToOutcomesAndHTTPStaysHTTP() async throws {
        let sink = SMTPSink(user: "simwatch", password: "another password")
        let port = try sink.start()
        defer { sink.stop() }
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let hook = Self.webhook(port: port)
        let payload = try #require(try hook.formatter().payloads(for: [F.statusChange(1)]).first)
        // A rejected login is retried (the password may be being fixed), never shown.
        let outcome = try await WebhookSender(webhook: hook, http: http).send(payload)
        guard case .retry(let reason, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(!reason.contains(Self.password))
        #expect(sink.messages.isEmpty)
        // The HTTP path never speaks SMTP, and an HTTP-only client never mails.
        await #expect(throws: HTTPClientError.unsupportedProtocol("smtp")) {
            _ = try await http.execute(HTTPRequest(method: "POST", url: "smtp://127.0.0.1:\(port)", body: Data()))
        }
        let offline = try await WebhookSender(webhook: hook, http: RecordingHTTP()).send(payload)
        guard case .retry = offline else { Issue.record("\(offline)"); return }
    }

    /// Python's `email` parser (policy `default`: headers decoded) on `data`.
    static func parse(_ data: Data) async throws -> [String: String] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simwatch-mail-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("message.eml")
        let output = folder.appendingPathComponent("parsed.json")
        try data.write(to: input)
        let script = """
            import email, email.policy, json, sys
            m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
            fields = {k: str(m[k] or '') for k in ['subject', 'to', 'from', 'bcc', 'date']}
            fields['message_id'] = str(m['message-id'] or '')
            fields['defects'] = str(len(m.defects) + sum(len(h.defects) for h in m.values() if hasattr(h, 'defects')))
            fields['body'] = m.get_body(preferencelist=('plain',)).get_content()
            json.dump(fields, open(sys.argv[2], 'w'))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, input.path, output.path]
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try #require(status == 0, "python3 could not parse the message")
        return try JSONDecoder().decode([String: String].self, from: Data(contentsOf: output))
    }
}
