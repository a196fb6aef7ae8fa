// Fuzz target: Control Center's answer to `GET /rws/api/v1/devices/{iccid}/ctdUsages`
// (status, headers, body), interpreted into a usage record or a typed error.
import CurlHTTP
import Foundation
import FuzzSupport
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchControlCenter
@testable import SimWatchCore
@testable import SimWatchState

/// The ICCID the request asked for; the seeds' answers are for this one.
let iccid = "8988216716970004975"
let apiKey = "fuzzApiKey-7c1f0e9a2b"
let now = Date(timeIntervalSince1970: 1_795_773_600)

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let response = HTTPAnswer.parse(FuzzDriver.bytes(data, size))
    // The one-pass decoder answers only where it agrees with JSONDecoder, its reference.
    if let fast = DeviceUsageDecoder.fastDecode(response.body) {
        let reference = try? JSONDecoder().decode(DeviceUsage.self, from: response.body)
        if fast != reference { FuzzDriver.violated("fast decoder gave \(fast), JSONDecoder \(String(describing: reference))") }
    }
    let result = UsageResponse.interpret(response, iccid: iccid, apiVersion: 1, secrets: [apiKey], now: now)
    FuzzDriver.show("HTTP \(response.status): \(result)")
    switch result {
    case .success(let usage):
        // DESIGN.md, "Implausible answers": a record for another ICCID is never a success.
        if usage.iccid != iccid { FuzzDriver.violated("accepted a record for \(usage.iccid)") }
    case .failure(let error):
        // Errors are logged and shown in /healthz: render them as that does.
        let text = error.description
        if text.contains(apiKey) { FuzzDriver.violated("the API key is in the error: \(text)") }
        // DESIGN.md, "Retry-After": at most 30 s for Control Center.
        if case .rateLimited(let pause?) = error, pause < .zero || pause > .seconds(30) {
            FuzzDriver.violated("rate-limit pause \(pause) outside 0...30 s")
        }
    }
    return 0
}

FuzzDriver.run(fuzzOne)
