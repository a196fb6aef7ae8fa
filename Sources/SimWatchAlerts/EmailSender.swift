import CurlHTTP
import Foundation
import SimWatchConfig
import SimWatchCore

extension WebhookSender {
    /// The least time an e-mail gets: a TLS handshake, EHLO, AUTH and DATA are several round trips.
    static let mailTimeout: Duration = .seconds(30)

    /// Mails one payload (a whole message) to the webhook's SMTP server.
    ///
    /// The answer maps like an HTTP one: accepted is delivered; a permanent refusal (a
    /// 5xx reply to MAIL, RCPT or DATA) is a refusal the lane dead-letters after three,
    /// 552 (too large) splits the batch; everything else (no STARTTLS, login denied,
    /// 4xx, the network) is retried until `max_age`.
    func mail(_ payload: WebhookPayload, settings: EmailSettings) async throws -> DeliveryOutcome {
        let request = MailRequest(
            url: webhook.url.reveal(), from: settings.from, recipients: settings.to, message: payload.body,
            login: settings.login.map { BasicAuth(username: $0.username, password: $0.password.reveal()) },
            timeout: max(timeout, Self.mailTimeout))
        do {
            let receipt = try await http.send(request)
            return .delivered(status: receipt.code)
        } catch let error as HTTPClientError {
            let reason = webhook.redaction.scrub("\(error)")
            switch Self.smtpReplyCode(in: reason) {
            case 552?: return .tooLarge(reason: reason)
            case let code? where (500..<600).contains(code): return .rejected(reason: reason)
            default: return .retry(reason: reason, retryAfter: nil)
            }
        }
    }

    /// The reply code libcurl quotes when the server refuses a command: `RCPT failed: 550`.
    static func smtpReplyCode(in message: String) -> Int? {
        guard let range = message.range(of: "failed: ") else { return nil }
        let digits = message[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
        return digits.count == 3 ? Int(digits) : nil
    }
}
