import CurlHTTP
import Foundation
import Testing
@testable import SimWatchControlCenter
@testable import SimWatchCore

/// Search Devices answers, the real one and hostile ones: every page is a page or a reason.
@Suite struct SearchDevicesDecoderTests {
    static let iccid = "9989203000880000201"
    static let reference = #"{"pageNumber":1,"devices":[{"iccid":"9989203000880000201","status":"TEST_READY","ratePlan":"JPOTestDevnet","communicationPlan":"JPOTestDevnetCPEss"}],"lastPage":true}"#

    func decode(_ text: String, page: Int = 1) -> Result<DeviceListingPage, DeviceListing.Refused> {
        Result { () throws(DeviceListing.Refused) in try DeviceListing.decode(Data(text.utf8), pageNumber: page) }
    }

    func refusal(_ text: String, page: Int = 1) -> String? {
        if case .failure(let refused) = decode(text, page: page) { return refused.reason }
        return nil
    }

    @Test func theDocumentedExample() throws {
        let page = try decode(Self.reference).get()
        #expect(page.lastPage)
        #expect(page.devices == [ListedDevice(
            iccid: Self.iccid, status: "TEST_READY", ratePlan: "JPOTestDevnet", communicationPlan: "JPOTestDevnetCPEss")])
        #expect(page.skippedCount == 0)
    }

    @Test func nullsAndMissingFieldsAreUnknownNotErrors() throws {
        let page = try decode(#"{"devices":[{"iccid":"9989203000880000201","status":null,"extra":{"a":[1,2]}}],"lastPage":false,"pageNumber":null}"#).get()
        #expect(page.devices == [ListedDevice(iccid: Self.iccid)])
        #expect(!page.lastPage)
        #expect(try decode(#"{"devices":null,"lastPage":true}"#).get().devices.isEmpty)
        #expect(try decode(#"{"lastPage":true}"#).get().devices.isEmpty)
    }

    @Test(arguments: [
        (#"{"pageNumber":1,"devices":[]}"#, "no \"lastPage\""),
        (#"{"pageNumber":1,"devices":[],"lastPage":null}"#, "\"lastPage\" is null"),
        (#"{"pageNumber":1,"devices":[],"lastPage":"true"}"#, "not a Search Devices answer"),
        (#"{"pageNumber":99999999999999999999999,"devices":[],"lastPage":true}"#, "\"pageNumber\" is not a whole number"),
        (#"{"pageNumber":9223372036854775807,"devices":[],"lastPage":true}"#, "\"pageNumber\" is out of range, not the page 1"),
        (#"{"pageNumber":2,"devices":[],"lastPage":true}"#, "\"pageNumber\" is 2, not the page 1"),
        (#"{"pageNumber":1.5,"devices":[],"lastPage":true}"#, "\"pageNumber\" is not a whole number"),
        (#"{"pageNumber":1,"devices":[],"lastPage":true,"lastPage":false}"#, "\"lastPage\" appears twice"),
        (#"{"pageNumber":1,"devices":[{"iccid":"9989203000880000201"}"#, "not a Search Devices answer"),
        (#"{"pageNumber":1,"devices":[],"lastPage":true} x"#, "data after the end"),
        (#"[]"#, "not a Search Devices answer"),
        ("", "empty body"),
        ("<html>404</html>", "not a Search Devices answer"),
    ])
    func hostilePagesAreRefusedWithAReason(_ body: String, reason: String) {
        let refused = refusal(body)
        #expect(refused?.contains(reason) == true, "\(refused ?? "accepted")")
    }

    @Test func invalidUTF8IsRefused() {
        var bytes = Array(#"{"devices":[],"lastPage":true,"x":""#.utf8)
        bytes += [0xFF, 0xFE, UInt8(ascii: "\""), UInt8(ascii: "}")]
        #expect(throws: DeviceListing.Refused(reason: "body is not UTF-8")) {
            try DeviceListing.decode(Data(bytes), pageNumber: 1)
        }
    }

    @Test func implausibleRecordsAreSkippedAndCountedTheRestListed() throws {
        let long = String(repeating: "x", count: UsageResponse.maxTextBytes + 1)
        let body = #"{"devices":[{"iccid":"12"},{"status":"ACTIVATED"},{"iccid":"9989203000880000201","ratePlan":"\#(long)"},"#
            + #"{"iccid":"9989203000880000202","status":7},null,{"iccid":"9989203000880000203","status":"ACTIVATED"}],"lastPage":true}"#
        let page = try decode(body).get()
        #expect(page.devices.map(\.iccid) == ["9989203000880000203"])
        #expect(page.skippedCount == 5)
        #expect(page.skipped.count == DeviceListing.maxReasons)
        #expect(!page.skipped.joined().contains(long))
    }

    @Test func aPageLongerThanAskedForIsRefused() {
        let records = (0...DeviceListing.maxDevices).map { #"{"iccid":"99892030008800\#(10000 + $0)"}"# }
        #expect(refusal(#"{"devices":[\#(records.joined(separator: ","))],"lastPage":true}"#)?.contains("more than 50") == true)
    }

    // MARK: HTTP answers

    static let redactor = RedactedURL("", secrets: ["CANARY-API-KEY"])

    func interpret(_ status: Int, _ body: String, headers: [(String, String)] = []) -> Result<DeviceListingPage, ControlCenterError> {
        SearchDevicesResponse.interpret(
            HTTPResponse(status: status, headers: headers, body: Data(body.utf8)), pageNumber: 1, apiVersion: 1,
            redactor: Self.redactor)
    }

    @Test func theRoleProblemIsItsOwnError() {
        let role = #"{"errorMessage":"The user's role is not allowed to call this function","errorCode":"10000030"}"#
        #expect(interpret(400, role) == .failure(.roleNotAllowed(function: "Search Devices", status: 400, code: "10000030")))
        #expect(interpret(200, role) == .failure(.roleNotAllowed(function: "Search Devices", status: 200, code: "10000030")))
        #expect(interpret(403, #"{"errorMessage":"Access is denied."}"#)
            == .failure(.roleNotAllowed(function: "Search Devices", status: 403, code: nil)))
        #expect(interpret(401, #"{"errorMessage":"Invalid credentials","errorCode":"10000001"}"#) == .failure(.invalidCredentials))
        let text = "\(ControlCenterError.roleNotAllowed(function: "Search Devices", status: 400, code: "10000030"))"
        #expect(text.contains("role may not call Search Devices") && text.contains("usage polling goes on"))
    }

    @Test func otherErrorsAreTypedAsForUsage() {
        #expect(interpret(429, "", headers: [("Retry-After", "2")]) == .failure(.rateLimited(retryAfter: .seconds(2))))
        #expect(interpret(200, #"{"errorMessage":"Rate limit exceeded","errorCode":"40000029"}"#) == .failure(.rateLimited(retryAfter: nil)))
        #expect(interpret(500, #"{"errorCode":"30000001"}"#) == .failure(.serverError(status: 500, code: "30000001", message: nil)))
        // Another account: Control Center refuses the parameter; the message says which.
        let other = interpret(400, #"{"errorMessage":"accountId 999 is not an account this user may see.","errorCode":"10000028"}"#)
        #expect(other == .failure(.rejected(status: 400, code: "10000028", message: "accountId 999 is not an account this user may see.")))
        // A 404 is never "device not found" here: it is a wrong base_url.
        guard case .failure(.unexpectedResponse(404, _, _)) = interpret(404, #"{"errorCode":"20000001"}"#) else {
            Issue.record("a 404 should be an unexpected response")
            return
        }
        guard case .failure(.unexpectedResponse(200, let snippet, _)) = interpret(200, "CANARY-API-KEY <html>") else {
            Issue.record("HTML in a 200 should be an unexpected response")
            return
        }
        #expect(!snippet.contains("CANARY"))
    }
}
