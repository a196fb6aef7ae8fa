// Fuzz target: the YAML configuration, as `simwatch check`, `run` and a reload read it.
import Foundation
import FuzzSupport
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchControlCenter
@testable import SimWatchCore
@testable import SimWatchState

/// Secrets the configuration may name with `*_env`; none may show in what `check` prints.
let secrets = [
    "SIMWATCH_API_KEY": "fuzzApiKey-7c1f0e9a2b",
    "SLACK_URL": "https://hooks.slack.com/services/T0FUZZ000/B0FUZZ000/fuzzSecretToken0123456789",
    "TEAMS_URL": "https://example.webhook.office.com/webhookb2/fuzzTeamsSecret-4d2e",
    "PAGERDUTY_ROUTING_KEY": "fuzzRoutingKey-9b8a7c6d",
]
/// A folder with the files the example configuration refers to by relative path.
let folder = ConfigFolder.make()
/// Every secret value the configuration can reach: the environment's and the `api_key` file's.
let secretValues = Array(secrets.values) + [ConfigFolder.apiKey]
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
        checkNoSecret(in: summary, yaml: yaml)
        for warning in loaded.warnings { checkNoSecret(in: warning.description, yaml: yaml) }
        for threshold in loaded.config.thresholds { _ = threshold.key }
        _ = AccountLimiter(rate: loaded.config.controlCenter.rateLimit, concurrency: loaded.config.controlCenter.concurrency)
    } catch {
        // Rendered always: `check` prints it, and the rendering is code under test too.
        let text = error.description
        FuzzDriver.show(text)
        checkNoSecret(in: text, yaml: yaml)
    }
    return 0
}

/// DESIGN.md: `check` prints what it understood "without any secret"; errors quote none either.
///
/// A secret the YAML spells out itself (the mutator can learn it from this very comparison)
/// is the file's own text, not a leak of a value simwatch resolved.
func checkNoSecret(in text: String, yaml: String) {
    for secret in secretValues where text.contains(secret) && !yaml.contains(secret) {
        FuzzDriver.violated("a secret is in what check prints: \(text)")
    }
}

FuzzDriver.run(fuzzOne)
