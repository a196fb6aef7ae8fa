import CurlHTTP
import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore

/// The e-mail message simwatch writes: headers, subject, body, and what outside text
/// cannot do to them.
@Suite struct FormatEmailTests {
    typealias F = FormatFixtures
    static let sentAt = Date(timeIntervalSince1970: 1_795_776_000)  // 2026-11-27 10:40 UTC
    static let settings = EmailSettings(from: "simwatch@example.com", to: ["ops@example.com", "noc@example.org"])

    static func message(_ events: [Event]) -> String {
        EmailFormatter(settings: settings, now: { sentAt }).message(events)
    }

    static func headers(_ message: String) -> [String] {
        Array(message.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n"))
    }

    @Test func oneMessagePerBatchWithTheDocumentedHeaders() throws {
        let events = [F.statusChange(1), F.threshold, F.poll(failed: true)]
        let payloads = try EmailFormatter(settings: Self.settings, now: { Self.sentAt }).payloads(for: events)
        #expect(payloads.count == 1)
        #expect(payloads.first?.eventIDs == events.map(\.id))
        #expect(payloads.first?.contentType == "message/rfc822")
        let message = Self.message(events)
        let messageID = EmailFormatter.messageID(events, from: "simwatch@example.com")
        #expect(Self.headers(message) == [
            "From: simwatch <simwatch@example.com>",
            "To: ops@example.com,", " noc@example.org",
            "Subject: [simwatch] 3 alerts: truck-001 (8988216716000000001): status ACTIVATED -> DEACTIVATED",
            "Date: Fri, 27 Nov 2026 10:40:00 +0000",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
            "Auto-Submitted: auto-generated",
        ])
        #expect(messageID.hasPrefix("<") && messageID.hasSuffix(".simwatch@example.com>"))
        // A redelivered batch keeps its Message-ID; another batch gets another.
        #expect(messageID == EmailFormatter.messageID(events, from: "simwatch@example.com"))
        #expect(messageID != EmailFormatter.messageID(Array(events.dropLast()), from: "simwatch@example.com"))
    }

    @Test func aFleetWideBatchIsSplitIntoParts() throws {
        let events = (1...2_500).map { F.statusChange($0) }
        let payloads = try EmailFormatter(settings: Self.settings, now: { Self.sentAt }).payloads(for: events)
        #expect(payloads.map(\.eventIDs.count) == [1_000, 1_000, 500])
        F.expectComplete(payloads, events)
        for (index, payload) in payloads.enumerated() {
            let text = F.text(payload)
            #expect(text.contains("\r\n\r\nsimwatch: 2500 alerts (part \(index + 1) of 3)\r\n"))
            #expect(text.contains("\r\nSubject: [simwatch] \(payload.eventIDs.count) alerts: "))
        }
        // Blocks are cut short, so even 1,000 huge events stay below 5 MB.
        // Longer than any block's limit (900 characters), however long it is.
        let name = String(repeating: "🚚", count: 1_000)
        let huge = (1...1_000).map { F.statusChange($0, name: name, summary: name) }
        let parts = try EmailFormatter(settings: Self.settings).payloads(for: huge)
        #expect(parts.count == 1 && parts.allSatisfy { $0.body.count <= 5_000_000 })
    }

    @Test func theBodyHasOneBlockPerEvent() {
        let message = Self.message([F.statusChange(1), F.threshold])
        let body = message.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        #expect(body == """
            simwatch: 2 alerts\r
            \r
            🔴 Status changed\r
            truck-001 (8988216716000000001): status ACTIVATED -> DEACTIVATED\r
              Severity: critical\r
              ICCID: 8988216716000000001\r
              Device: truck-001\r
              Previous: ACTIVATED\r
              Current: DEACTIVATED\r
              Observed: 2026-11-27 10:00 UTC\r
            \r
            🟠 Threshold crossed\r
            truck-17 (8988216716970004975): data 812.3 MB of 1 GB (81.2 %) reached 80 %\r
              Severity: warning\r
              ICCID: 8988216716970004975\r
              Device: truck-17\r
              Value: 812.3 MB\r
              Threshold: 800 MB (80 %)\r
              Observed: 2026-11-27 10:00 UTC\r

            """)
        #expect(Self.message([F.test]).contains("Subject: [simwatch] 1 alert: simwatch test alert"))
    }

    @Test func aDeviceNameCannotAddAHeaderOrEndTheMessage() {
        let name = "truck\r\nBcc: evil@example.com\r\n.\r\nQUIT"
        let event = F.statusChange(9, name: name, summary: "\(name) (8988216716000000009): status changed")
        let message = Self.message([event])
        #expect(!message.contains("\r\nBcc:"))
        #expect(!message.contains("\r\n.\r\n"))
        #expect(Self.headers(message).filter { !$0.hasPrefix(" ") }.count == 9)
        #expect(message.contains("truck  Bcc: evil@example.com  .  QUIT (8988216716000000009)"))
    }

    @Test func aNonASCIISummaryIsEncodedInFoldedWords() {
        let event = F.statusChange(2, name: "Lkw Süd 🚚", summary: String(repeating: "Lkw Süd 🚚 ", count: 30) + "(8988216716000000002)")
        let subject = Self.headers(Self.message([event])).drop { !$0.hasPrefix("Subject:") }
            .prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }.joined(separator: "\r\n")
        #expect(subject.hasPrefix("Subject: [simwatch] 1 alert:\r\n =?UTF-8?B?"))
        for line in subject.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line)") }
        let words = subject.components(separatedBy: "\r\n").dropFirst().map { String($0.dropFirst()) }
        let decoded = words.map { word in
            String(decoding: Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) ?? Data(), as: UTF8.self)
        }.joined()
        #expect(decoded.hasPrefix("Lkw Süd 🚚 Lkw Süd"))
        #expect(decoded.utf8.count <= EmailFormatter.maxSubjectSummary)
    }

    @Test func oneCharacterOfManyCodePointsStillFoldsShort() {
        let name = "e" + String(repeating: "\u{0301}", count: 60)
        let message = Self.message([F.statusChange(6, name: name, summary: name)])
        let subject = Self.headers(message).drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        #expect(subject.count > 2)
        for line in subject { #expect(line.utf8.count <= 78, "\(line)") }
    }

    @Test func hugeEventsKeepLinesShortAndTheirICCID() {
        let event = F.statusChange(5, name: String(repeating: "🚚", count: 5_000), summary: String(repeating: "🚚", count: 5_000) + " (8988216716000000005)")
        let message = Self.message([event])
        #expect(message.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
        #expect(message.contains("… (8988216716000000005)"))
    }

    @Test func theDateHeaderIsRFC5322() {
        #expect(Timestamp.rfc5322(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(Timestamp.rfc5322(Date(timeIntervalSince1970: 1_795_776_000)) == "Fri, 27 Nov 2026 10:40:00 +0000")
        #expect(Timestamp.rfc5322(Date(timeIntervalSince1970: -86_400)) == "Wed, 31 Dec 1969 00:00:00 +0000")
        #expect(Timestamp.rfc5322(Date(timeIntervalSince1970: .infinity)).hasSuffix("+0000"))
    }

    @Test(arguments: [
        ("smtps://smtp.example.com:465", MailRequest.Security.implicitTLS),
        ("smtp://smtp.example.com:587", .startTLS),
        ("smtp://127.0.0.1:2525", .loopbackPlain),
        ("smtp://127.8.9.10", .loopbackPlain),
        ("smtp://localhost:25", .loopbackPlain),
        ("smtp://[::1]:25", .loopbackPlain),
        ("smtp://127.0.0.1.evil.example.com", .startTLS),
        ("smtp://[::ffff:127.0.0.1]:25", .startTLS),
    ])
    func smtpNeedsTLSExceptToALoopbackRelay(url: String, security: MailRequest.Security) {
        #expect(MailRequest.security(of: url) == security)
    }

    @Test func smtpReplyCodesDecideTheOutcome() {
        #expect(WebhookSender.smtpReplyCode(in: "transport error 55: smtp://x: RCPT failed: 550") == 550)
        #expect(WebhookSender.smtpReplyCode(in: "transport error 67: Login denied") == nil)
        #expect(MailRequest.security(of: "https://example.com") == nil)
    }
}
