// Fuzz target: a webhook's answer to a POST (status, headers, body), classified for delivery,
// including Discord's `retry_after` in the body.
import CurlHTTP
import Foundation
import FuzzSupport
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchControlCenter
@testable import SimWatchCore
@testable import SimWatchState

/// A Slack-like webhook URL: the secret that excerpts must never show.
let webhookURL = "https://hooks.slack.com/services/T0FUZZ000/B0FUZZ000/fuzzSecretToken0123456789"
/// Its last path segment, the token: DESIGN.md strips every segment of 6 or more characters.
let token = "fuzzSecretToken0123456789"
let redaction = RedactedURL(webhookURL)

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let response = HTTPAnswer.parse(FuzzDriver.bytes(data, size))
    let outcome = WebhookSender.classify(response, redaction: redaction)
    FuzzDriver.show("HTTP \(response.status): \(outcome)")
    // DESIGN.md, "Webhook answers": 2xx delivered; 400 and 422 refused; 413 split; the rest retried.
    let status = response.status
    switch outcome {
    case .delivered:
        if !(200..<300).contains(status) { FuzzDriver.violated("HTTP \(status) counted as delivered") }
    case .rejected(let reason):
        if status != 400 && status != 422 { FuzzDriver.violated("HTTP \(status) refused: \(reason)") }
        checkScrubbed(reason)
    case .tooLarge(let reason):
        if status != 413 { FuzzDriver.violated("HTTP \(status) counted as too large: \(reason)") }
        checkScrubbed(reason)
    case .retry(let reason, let retryAfter):
        if (200..<300).contains(status) || [400, 413, 422].contains(status) {
            FuzzDriver.violated("HTTP \(status) retried: \(reason)")
        }
        // DESIGN.md, "Retry-After": honoured up to 1 h for a webhook.
        if let retryAfter, retryAfter < .zero || retryAfter > .seconds(3600) {
            FuzzDriver.violated("retry pause \(retryAfter) outside 0...1 h")
        }
        checkScrubbed(reason)
    }
    // The body's retry_after is read only when the header gives none: try it on every body.
    if let pause = WebhookSender.discordRetryAfter(response.body), pause < .zero || pause > .seconds(3600) {
        FuzzDriver.violated("retry_after parsed as \(pause), outside 0...1 h")
    }
    return 0
}

/// Neither the webhook's URL nor its token appears in a reason (logs, `status` and dead
/// letters show them).
func checkScrubbed(_ reason: String) {
    if reason.contains(webhookURL) || reason.contains(token) {
        FuzzDriver.violated("the webhook's URL or token is in the reason: \(reason)")
    }
}

FuzzDriver.run(fuzzOne)
