// Fuzz target: Control Center's answer to Search Devices, `GET /rws/api/v1/devices`
// (status, headers, body), interpreted into a page of listed SIMs or a typed error.
import CurlHTTP
import Foundation
import FuzzSupport
@testable import SimWatchControlCenter
@testable import SimWatchCore

let apiKey = "fuzzApiKey-7c1f0e9a2b"
let now = Date(timeIntervalSince1970: 1_795_773_600)
let redactor = RedactedURL("", secrets: [apiKey])

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let response = HTTPAnswer.parse(FuzzDriver.bytes(data, size))
    let result = SearchDevicesResponse.interpret(response, pageNumber: 2, apiVersion: 1, redactor: redactor, now: now)
    FuzzDriver.show("HTTP \(response.status): \(result)")
    switch result {
    case .success(let page):
        // Only what the decoder promises reaches the rules and the state file.
        if page.devices.count + page.skippedCount > DeviceListing.maxDevices {
            FuzzDriver.violated("a page of \(page.devices.count + page.skippedCount) records")
        }
        for device in page.devices {
            if !ICCID.isValid(device.iccid) { FuzzDriver.violated("accepted ICCID \(device.iccid)") }
            for text in [device.status, device.ratePlan, device.communicationPlan] where (text?.utf8.count ?? 0) > UsageResponse.maxTextBytes {
                FuzzDriver.violated("accepted a text of \(text?.utf8.count ?? 0) bytes")
            }
        }
        if page.skipped.count > DeviceListing.maxReasons { FuzzDriver.violated("\(page.skipped.count) reasons kept") }
        if page.skipped.joined().contains(apiKey) { FuzzDriver.violated("the API key is in a skip reason") }
    case .failure(let error):
        let text = error.description
        if text.contains(apiKey) { FuzzDriver.violated("the API key is in the error: \(text)") }
        if case .rateLimited(let pause?) = error, pause < .zero || pause > .seconds(30) {
            FuzzDriver.violated("rate-limit pause \(pause) outside 0...30 s")
        }
        if case .deviceNotFound = error { FuzzDriver.violated("Search Devices answered as a missing device") }
    }
    return 0
}

FuzzDriver.run(fuzzOne)
