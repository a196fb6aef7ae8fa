// Fuzz target: Control Center's answer to `GET /rws/api/v1/devices/{iccid}/ctdUsages`
// (status, headers, body), interpreted into a usage record or a typed error.
import CurlHTTP
import Foundation
import FuzzSupport
@testable import SimWatch

/// The ICCID the request asked for; the seeds' answers are for this one.
let iccid = "8988216716970004975"
let apiKey = "fuzzApiKey-7c1f0e9a2b"
let now = Date(timeIntervalSince1970: 1_764_236_400)

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let response = HTTPAnswer.parse(FuzzDriver.bytes(data, size))
    let result = UsageResponse.interpret(response, iccid: iccid, apiVersion: 1, secrets: [apiKey], now: now)
    switch result {
    case .success(let usage):
        // DESIGN.md, "Implausible answers": a record for another ICCID is never a success.
        if usage.iccid != iccid { FuzzDriver.violated("accepted a record for \(usage.iccid)") }
    case .failure(let error):
        // Errors are logged and shown in /healthz: render them as that would.
        _ = error.description
        if case .rateLimited(let retryAfter?) = error, retryAfter < .zero {
            FuzzDriver.violated("negative Retry-After pause \(retryAfter)")
        }
    }
    return 0
}

FuzzDriver.run(fuzzOne)
