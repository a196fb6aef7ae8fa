// Fuzz target: a `Retry-After` header value, as Control Center, a webhook or a proxy sends it.
import Foundation
import FuzzSupport
@testable import SimWatch

/// A fixed clock, so that an HTTP date's pause is the same on every run of an input.
let now = Date(timeIntervalSince1970: 1_764_236_400)  // 2025-11-27T09:40:00Z

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(FuzzDriver.bytes(data, size))
    // Header values reach the parser as CurlTransfer decodes them: UTF-8, else ISO-8859-1.
    guard let value = String(data: bytes, encoding: .utf8) ?? String(data: bytes, encoding: .isoLatin1) else {
        return 0
    }
    if let pause = RetryAfter.parse(value, now: now), pause < .zero {
        FuzzDriver.violated("Retry-After \(value.debugDescription) parsed as a negative pause \(pause)")
    }
    return 0
}

FuzzDriver.run(fuzzOne)
