// Fuzz target: the YAML configuration, as `simwatch check`, `run` and a reload read it.
import Foundation
import FuzzSupport
@testable import SimWatch

/// Secrets the configuration may name with `*_env`; none may show in the summary.
let secrets = [
    "SIMWATCH_API_KEY": "fuzzApiKey-7c1f0e9a2b",
    "SLACK_URL": "https://hooks.slack.com/services/T0FUZZ000/B0FUZZ000/fuzzSecretToken0123456789",
    "TEAMS_URL": "https://example.webhook.office.com/webhookb2/fuzzTeamsSecret-4d2e",
    "PAGERDUTY_ROUTING_KEY": "fuzzRoutingKey-9b8a7c6d",
]
/// A folder with the files the example configuration refers to by relative path.
let folder = ConfigFolder.make()
let environment = secrets.merging(["STATE_DIRECTORY": folder]) { first, _ in first }

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    // ConfigLoader.load refuses a file that is not UTF-8 before parsing, as this does.
    guard let yaml = String(validating: FuzzDriver.bytes(data, size), as: UTF8.self) else { return 0 }
    do {
        let loaded = try ConfigLoader.parse(
            yaml: yaml, path: folder + "/simwatch.yaml", environment: environment, deferSystemdCredentials: true)
        // What `check` prints and what `run` builds from a configuration that passed.
        let summary = loaded.config.summary()
        FuzzDriver.show(summary)
        for warning in loaded.warnings { _ = warning.description }
        for threshold in loaded.config.thresholds { _ = threshold.key }
        _ = AccountLimiter(rate: loaded.config.controlCenter.rateLimit, concurrency: loaded.config.controlCenter.concurrency)
        for (name, secret) in secrets where summary.contains(secret) {
            FuzzDriver.violated("the summary shows the secret in \(name)")
        }
    } catch {
        // Rendered always: `check` prints it, and the rendering is code under test too.
        let text = error.description
        FuzzDriver.show(text)
    }
    return 0
}

FuzzDriver.run(fuzzOne)
