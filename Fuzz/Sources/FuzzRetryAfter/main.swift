// Fuzz target: a `Retry-After` header value, as Control Center, a webhook or a proxy sends it.
import Foundation
import FuzzSupport
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchControlCenter
@testable import SimWatchCore
@testable import SimWatchState

/// A fixed clock, so that an HTTP date's pause is the same on every run of an input.
let now = Date(timeIntervalSince1970: 1_795_773_600)  // 2026-11-27T10:00:00Z
/// DESIGN.md, "Retry-After": honoured up to 30 s for Control Center, 1 h for a webhook.
let caps: [Duration] = [.seconds(30), .seconds(3600)]

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(FuzzDriver.bytes(data, size))
    // Header values reach the parser as CurlTransfer decodes them: UTF-8, else ISO-8859-1.
    guard let value = String(data: bytes, encoding: .utf8) ?? String(data: bytes, encoding: .isoLatin1) else {
        return 0
    }
    for cap in caps {
        let parsed = RetryAfter.parse(value, now: now, cap: cap)
        FuzzDriver.show("\(value.debugDescription), cap \(cap): \(parsed.map { "\($0)" } ?? "ignored")")
        guard let pause = parsed else { continue }
        if pause < .zero || pause > cap {
            FuzzDriver.violated("Retry-After \(value.debugDescription) parsed as \(pause), outside 0...\(cap)")
        }
    }
    return 0
}

FuzzDriver.run(fuzzOne)
