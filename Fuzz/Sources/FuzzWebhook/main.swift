// Fuzz target: a webhook's answer to a POST (status, headers, body), classified for delivery,
// including Discord's `retry_after` in the body.
import CurlHTTP
import Foundation
import FuzzSupport
@testable import SimWatch

/// A Slack-like webhook URL: the secret that excerpts must never show.
let webhookURL = "https://hooks.slack.com/services/T0FUZZ000/B0FUZZ000/fuzzSecretToken0123456789"

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let response = HTTPAnswer.parse(FuzzDriver.bytes(data, size))
    let outcome = WebhookSender.classify(response, secret: webhookURL)
    FuzzDriver.show("HTTP \(response.status): \(outcome)")
    // DESIGN.md, "Webhook answers": 2xx is delivered, whatever the body says.
    if (200..<300).contains(response.status), outcome != .delivered(status: response.status) {
        FuzzDriver.violated("HTTP \(response.status) not delivered: \(outcome)")
    }
    switch outcome {
    case .retry(let reason, let retryAfter):
        // DESIGN.md, "Retry-After": honoured up to 1 h for a webhook.
        if let retryAfter, retryAfter < .zero || retryAfter > .seconds(3600) {
            FuzzDriver.violated("retry pause \(retryAfter) outside 0...1 h")
        }
        checkScrubbed(reason)
    case .rejected(let reason):
        checkScrubbed(reason)
    case .delivered:
        break
    }
    // The body's retry_after is read only for some statuses above: try it on every body.
    if let pause = WebhookSender.discordRetryAfter(response.body), pause < .zero || pause > .seconds(3600) {
        FuzzDriver.violated("retry_after parsed as \(pause), outside 0...1 h")
    }
    return 0
}

/// The webhook's whole URL never appears in a reason (logs, `status`, dead letters show them).
func checkScrubbed(_ reason: String) {
    if reason.contains(webhookURL) { FuzzDriver.violated("the webhook URL is in the reason: \(reason)") }
}

FuzzDriver.run(fuzzOne)
