import CurlHTTP
import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchControlCenter
@testable import SimWatchCore

@Suite struct UsageResponseTests {
    let iccid = "8988216716970004975"

    func interpret(_ status: Int, _ body: String, headers: [(name: String, value: String)] = [],
                   secrets: [String] = []) -> Result<DeviceUsage, ControlCenterError> {
        UsageResponse.interpret(
            HTTPResponse(status: status, headers: headers, body: Data(body.utf8)),
            iccid: iccid, apiVersion: 1, secrets: secrets)
    }

    @Test func decodesEveryFieldOfTheReferenceExample() throws {
        let body = """
        {"iccid":"8988216716970004975","imsi":"901161697004975","msisdn":"882351697004975","imei":"",
         "status":"ACTIVATED","ratePlan":"hphlr rp1","communicationPlan":"CP_Basic_ON","ctdDataUsage":0,
         "ctdSMSUsage":0,"ctdVoiceUsage":0,"ctdSessionCount":null,"overageLimitReached":false,
         "overageLimitOverride":"DEFAULT"}
        """
        let usage = try interpret(200, body).get()
        #expect(usage == DeviceUsage(
            iccid: iccid, imsi: "901161697004975", msisdn: "882351697004975", imei: "",
            status: "ACTIVATED", ratePlan: "hphlr rp1", communicationPlan: "CP_Basic_ON",
            ctdDataUsage: 0, ctdSMSUsage: 0, ctdVoiceUsage: 0, ctdSessionCount: nil,
            overageLimitReached: false, overageLimitOverride: "DEFAULT"))
    }

    @Test func toleratesMissingFieldsUnknownStatusAndLargeCounters() throws {
        let body = #"{"iccid":"8988216716970004975","status":"SOMETHING_NEW","ctdDataUsage":9223372036854775807}"#
        let usage = try interpret(200, body).get()
        #expect(usage.status == "SOMETHING_NEW")
        #expect(usage.ctdDataUsage == Int64.max)
        #expect(usage.imei == nil && usage.ctdSessionCount == nil)
    }

    @Test(arguments: [
        (401, #"{"errorMessage":"Invalid credentials.","errorCode":"10000001"}"#, ControlCenterError.invalidCredentials),
        (401, "", .invalidCredentials),
        (401, "<html>Unauthorized</html>", .invalidCredentials),
        (400, #"{"errorMessage":"Invalid apiVersion.","errorCode":"10000024"}"#, .invalidAPIVersion(1)),
        (400, #"{"errorMessage":"Invalid Zone.","errorCode":"10000031"}"#, .invalidZone),
        (404, #"{"errorMessage":"Resource not found - Invalid ICCID.","errorCode":"20000001"}"#,
         .deviceNotFound(iccid: "8988216716970004975")),
        (500, #"{"errorMessage":"Unknown server error.","errorCode":"30000001"}"#,
         .serverError(status: 500, code: "30000001", message: "Unknown server error.")),
        (503, "", .serverError(status: 503, code: nil, message: nil)),
    ])
    func mapsDocumentedErrors(status: Int, body: String, expected: ControlCenterError) {
        #expect(interpret(status, body) == .failure(expected))
    }

    @Test func errorCodeMayBeANumber() {
        #expect(interpret(401, #"{"errorCode":10000001}"#) == .failure(.invalidCredentials))
    }

    @Test func htmlNotFoundIsAWrongBaseURLNotAMissingDevice() throws {
        guard case .failure(.unexpectedResponse(let status, let snippet, _)) = interpret(404, "<html><body>Not Found</body></html>")
        else { Issue.record("expected unexpectedResponse"); return }
        #expect(status == 404)
        #expect(snippet.contains("Not Found"))
    }

    @Test func truncatedJSONIsUnexpectedWithStatusAndExcerpt() {
        let result = interpret(200, #"{"iccid":"8988216716970004975","ctdDataUs"#)
        guard case .failure(let error) = result, case .unexpectedResponse(200, let snippet, let reason) = error
        else { Issue.record("expected unexpectedResponse, got \(result)"); return }
        #expect(snippet.contains("ctdDataUs"))
        #expect(reason.contains("not valid JSON"))
        #expect(error.description.contains("HTTP 200"))
    }

    @Test func wrongShapeIsUnexpected() {
        guard case .failure(.unexpectedResponse(_, _, let reason)) = interpret(200, #"{"iccid":"8988216716970004975","ctdDataUsage":"lots"}"#)
        else { Issue.record("expected unexpectedResponse"); return }
        #expect(reason.contains("ctdDataUsage"))
        guard case .failure(.unexpectedResponse) = interpret(200, "[1,2,3]") else {
            Issue.record("an array is not a record"); return
        }
    }

    @Test func answerForAnotherICCIDIsUnexpected() {
        guard case .failure(.unexpectedResponse(_, _, let reason)) = interpret(200, #"{"iccid":"8988216716970009999"}"#)
        else { Issue.record("expected unexpectedResponse"); return }
        #expect(reason.contains("8988216716970009999"))
    }

    @Test func excerptIsCappedAndStripsCredentials() {
        let body = "<html>" + String(repeating: "x", count: 300) + "CANARY-KEY</html>"
        let short = "<p>echo CANARY-KEY and Y2FuYXJ5</p>"
        guard case .failure(let long) = interpret(502, body, secrets: ["CANARY-KEY"]),
              case .failure(let echoed) = interpret(418, short, secrets: ["CANARY-KEY", "Y2FuYXJ5"])
        else { Issue.record("expected failures"); return }
        #expect(!"\(long)".contains("CANARY-KEY"))
        #expect(!"\(echoed)".contains("CANARY-KEY") && !"\(echoed)".contains("Y2FuYXJ5"))
        if case .unexpectedResponse(_, let snippet, _) = echoed {
            #expect(snippet.contains("<redacted>"))
        }
    }

    @Test func latin1ErrorBodiesDecode() throws {
        var body = Data(#"{"errorMessage":"Ung"#.utf8)
        body.append(0xFC) // ü in ISO-8859-1, invalid as UTF-8
        body.append(contentsOf: Data(#"ltige Anmeldedaten","errorCode":"10000001"}"#.utf8))
        let result = UsageResponse.interpret(HTTPResponse(status: 401, body: body), iccid: iccid, apiVersion: 1, secrets: [])
        #expect(result == .failure(.invalidCredentials))
        let error = try #require(APIErrorBody(body))
        #expect(error.message == "Ungültige Anmeldedaten")
    }

    @Test func rateLimitedCarriesRetryAfter() {
        #expect(interpret(429, "", headers: [("Retry-After", "3")]) == .failure(.rateLimited(retryAfter: .seconds(3))))
        #expect(interpret(429, "") == .failure(.rateLimited(retryAfter: nil)))
    }

    @Test func retryableKinds() {
        #expect(ControlCenterError.serverError(status: 500, code: nil, message: nil).isRetryable)
        #expect(ControlCenterError.rateLimited(retryAfter: nil).isRetryable)
        #expect(ControlCenterError.transport(.timedOut(after: .seconds(1))).isRetryable)
        #expect(!ControlCenterError.invalidCredentials.isRetryable)
        #expect(!ControlCenterError.deviceNotFound(iccid: iccid).isRetryable)
        #expect(!ControlCenterError.invalidAPIVersion(2).isRetryable)
    }
}

@Suite struct ICCIDTests {
    @Test(arguments: ["898821671697000", "8988216716970004975", "8901170425231814706012"])
    func accepts(_ iccid: String) { #expect(ICCID.isValid(iccid)) }

    @Test(arguments: ["89882167169700", "89011704252318147060123", "8988216716970004975a", "", "../../etc", "８９８８２１６７１６９７０００４９７５"])
    func rejects(_ iccid: String) { #expect(!ICCID.isValid(iccid)) }
}
