import CurlHTTP
import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchControlCenter
@testable import SimWatchCore

/// Answers that would crash, blind or fool simwatch are unexpected responses, never records.
@Suite struct UsageResponseTrustTests {
    static let iccid = "8988216716970004975"
    static let settings = ControlCenterSettings(
        baseURL: "https://cc.example.com", username: "apiuser", apiKey: Secret("CANARY-API-KEY"))
    static let basic = Data("apiuser:CANARY-API-KEY".utf8).base64EncodedString()
    static let requestURL = "https://cc.example.com/rws/api/v1/devices/8988216716970004975/ctdUsages"

    func interpret(_ status: Int, _ body: String, headers: [(name: String, value: String)] = [])
        -> Result<DeviceUsage, ControlCenterError> {
        interpret(status, Data(body.utf8), headers: headers)
    }

    func interpret(_ status: Int, _ body: Data, headers: [(name: String, value: String)] = [])
        -> Result<DeviceUsage, ControlCenterError> {
        UsageResponse.interpret(
            HTTPResponse(status: status, headers: headers, body: body), iccid: Self.iccid, apiVersion: 1,
            redactor: ControlCenterClient.redactor(for: Self.settings),
            now: Date(timeIntervalSince1970: 1_000_000_000))
    }

    /// The reason of an unexpected response, or nil (recording an issue) for anything else.
    func unexpectedReason(
        _ result: Result<DeviceUsage, ControlCenterError>, sourceLocation: SourceLocation = #_sourceLocation
    ) -> String? {
        guard case .failure(.unexpectedResponse(_, _, let reason)) = result else {
            Issue.record("expected an unexpected response, got \(result)", sourceLocation: sourceLocation)
            return nil
        }
        return reason
    }

    // MARK: 404s

    @Test(arguments: [
        #"{"message":"no route"}"#, #"{"errorMessage":"Not found"}"#, #"{"errorCode":"10000030"}"#, "{}", "[]", "",
        "<html><body>Not Found</body></html>", #"{"errorCode":20000002}"#,
    ])
    func a404WithoutError20000001IsUnexpectedNotAMissingDevice(body: String) {
        let result = interpret(404, body)
        guard case .failure(.unexpectedResponse(404, _, _)) = result else {
            Issue.record("404 \(body): got \(result)"); return
        }
    }

    @Test func onlyA404CarriesDeviceNotFound() {
        let body = #"{"errorMessage":"Resource not found - Invalid ICCID.","errorCode":"20000001"}"#
        #expect(interpret(404, body) == .failure(.deviceNotFound(iccid: Self.iccid)))
        #expect(interpret(404, #"{"errorCode":20000001}"#) == .failure(.deviceNotFound(iccid: Self.iccid)))
        guard case .failure(.rejected(400, "20000001", _)) = interpret(400, body) else {
            Issue.record("a 400 is not a missing device"); return
        }
        #expect(unexpectedReason(interpret(200, body)) != nil)
        guard case .failure(.serverError(500, "20000001", _)) = interpret(500, body) else {
            Issue.record("a 500 is not a missing device"); return
        }
    }

    // MARK: Records that cannot be true

    @Test(arguments: Metric.allCases)
    func aNegativeCounterIsUnexpected(metric: Metric) throws {
        let field = DeviceUsage.fieldName(metric)
        let reason = unexpectedReason(interpret(200, #"{"iccid":"\#(Self.iccid)","\#(field)":-1}"#))
        #expect(reason?.contains(field) == true)
        #expect(reason?.contains("negative") == true)
        let minimum = unexpectedReason(interpret(200, #"{"iccid":"\#(Self.iccid)","\#(field)":-9223372036854775808}"#))
        #expect(minimum?.contains("negative") == true)
    }

    @Test(arguments: [
        "{}", "[]", "[{}]", "null", "5", #""text""#, "true", "", " ", #"{"iccid": 5}"#, #"{"iccid": null}"#,
        #"{"iccid": ["8988216716970004975"]}"#, #"{"ICCID":"8988216716970004975"}"#,
        #"{"iccid":"8988216716970004975","status":7}"#, #"{"iccid":"8988216716970004975","overageLimitReached":"yes"}"#,
        #"{"iccid":"8988216716970004975","ctdDataUsage":"5"}"#, #"{"iccid":"8988216716970004975","ctdSMSUsage":true}"#,
        #"{"pageNumber":1,"devices":[],"lastPage":true}"#, "<html>OK</html>", #"{"iccid":"8988216716970004975""#,
    ])
    func aBodyThatIsNotARecordIsUnexpected(body: String) {
        #expect(unexpectedReason(interpret(200, body)) != nil, "200 \(body)")
    }

    @Test(arguments: [
        "1e300", "-1e300", "1.5", "0.1", "9223372036854775808", "18446744073709551616", "1e19", "-9223372036854775809",
        "NaN", "Infinity", "-", "1e",
    ])
    func aCounterOutOfRangeIsUnexpected(number: String) {
        let reason = unexpectedReason(interpret(200, #"{"iccid":"\#(Self.iccid)","ctdDataUsage":\#(number)}"#))
        #expect(reason != nil, "ctdDataUsage: \(number)")
    }

    @Test func largeExactCountersAndNegativeZeroAreKept() throws {
        let body = #"{"iccid":"\#(Self.iccid)","ctdDataUsage":9007199254740993,"ctdSMSUsage":-0,"ctdVoiceUsage":9223372036854775807}"#
        let usage = try interpret(200, body).get()
        #expect(usage.ctdDataUsage == 9_007_199_254_740_993)
        #expect(usage.ctdSMSUsage == 0)
        #expect(usage.ctdVoiceUsage == Int64.max)
    }

    @Test func aRecordForAnotherICCIDIsUnexpected() {
        let reason = unexpectedReason(interpret(200, #"{"iccid":"8988216716970009999","ctdDataUsage":5}"#))
        #expect(reason?.contains("8988216716970009999") == true)
        // The server's text is quoted only when it is an ICCID.
        let odd = unexpectedReason(interpret(200, #"{"iccid":"CANARY-API-KEY <script>"}"#))
        #expect(odd?.contains("CANARY") == false)
        #expect(odd?.contains("<script>") == false)
        #expect(unexpectedReason(interpret(200, #"{"iccid":""}"#)) != nil)
    }

    @Test(arguments: ["imsi", "msisdn", "imei", "status", "ratePlan", "communicationPlan", "overageLimitOverride"])
    func aHugeTextFieldIsUnexpected(field: String) throws {
        let huge = String(repeating: "A", count: UsageResponse.maxTextBytes + 1)
        let reason = unexpectedReason(interpret(200, #"{"iccid":"\#(Self.iccid)","\#(field)":"\#(huge)"}"#))
        #expect(reason?.contains(field) == true)
        let longest = String(repeating: "A", count: UsageResponse.maxTextBytes)
        #expect(throws: Never.self) { try interpret(200, #"{"iccid":"\#(Self.iccid)","\#(field)":"\#(longest)"}"#).get() }
    }

    @Test func nonUTF8SuccessBodiesAreUnexpected() {
        let body = Data([0x7B, 0x22, 0x69, 0xFF, 0xFE, 0x00, 0x22, 0x7D])
        guard case .failure(.unexpectedResponse(200, let snippet, _)) = interpret(200, body) else {
            Issue.record("expected unexpected"); return
        }
        #expect(!snippet.unicodeScalars.contains { $0.value < 0x20 })
    }

    // MARK: Rate limiting

    @Test(arguments: [200, 201, 400, 403, 404, 500, 503])
    func error40000029IsRateLimitingWithAnyStatus(status: Int) {
        let body = #"{"errorMessage":"Rate limit exceeded","errorCode":"40000029"}"#
        #expect(interpret(status, body) == .failure(.rateLimited(retryAfter: nil)), "HTTP \(status)")
        #expect(interpret(status, #"{"errorCode":40000029}"#, headers: [("Retry-After", "2")])
            == .failure(.rateLimited(retryAfter: .seconds(2))), "HTTP \(status)")
    }

    @Test(arguments: ["1e300", "99999999999999999999", "inf", "Fri, 31 Dec 9999 23:59:59 GMT", "31"])
    func controlCenterRetryAfterIsCappedAtThirtySeconds(value: String) {
        #expect(interpret(429, "", headers: [("Retry-After", value)]) == .failure(.rateLimited(retryAfter: .seconds(30))))
    }

    @Test(arguments: ["nan", "-", "", "garbage"])
    func anUnparseableRetryAfterMeansNormalBackoff(value: String) {
        #expect(interpret(429, "", headers: [("Retry-After", value)]) == .failure(.rateLimited(retryAfter: nil)))
    }

    @Test func anotherErrorCodeInASuccessIsUnexpected() {
        let reason = unexpectedReason(interpret(200, #"{"errorMessage":"Invalid credentials","errorCode":"10000001"}"#))
        #expect(reason?.contains("10000001") == true)
    }

    // MARK: Scrubbing

    @Test func anErrorMessageEchoingTheKeyTheBasicCredentialsAndTheURLIsScrubbed() throws {
        let message = "denied for apiuser:CANARY-API-KEY (Authorization: Basic \(Self.basic)) on \(Self.requestURL)?x=1"
        let body = try JSONSerialization.data(withJSONObject: ["errorCode": "10000030", "errorMessage": message])
        for status in [400, 403, 500, 502] {
            let result = interpret(status, body)
            guard case .failure(let error) = result else { Issue.record("expected a failure"); continue }
            let text = "\(error)"
            #expect(!text.contains("CANARY-API-KEY"), "\(text)")
            #expect(!text.contains(Self.basic), "\(text)")
            #expect(!text.contains("/rws/api"), "\(text)")
            #expect(!text.contains("ctdUsages"), "\(text)")
            #expect(text.contains("<redacted>"), "\(text)")
            #expect(text.contains("https://cc.example.com"), "\(text)")
        }
    }

    @Test func aSnippetEchoingEncodedSecretsIsScrubbed() throws {
        let encodedBasic = try #require(Self.basic.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let body = "<html>CANARY-API-KEY \(Self.basic) \(encodedBasic) \(Self.requestURL)</html>"
        guard case .failure(.unexpectedResponse(_, let snippet, _)) = interpret(404, body) else {
            Issue.record("expected unexpected"); return
        }
        #expect(!snippet.contains("CANARY"), "\(snippet)")
        #expect(!snippet.contains(Self.basic) && !snippet.contains(encodedBasic), "\(snippet)")
        #expect(!snippet.contains("ctdUsages"), "\(snippet)")
    }

    @Test func aServerMessageIsOneBoundedLine() throws {
        let message = "line one\nline two\r\n\u{1B}[31mred\u{07}" + String(repeating: "x", count: 5000)
        let body = try JSONSerialization.data(withJSONObject: ["errorCode": "30000001", "errorMessage": message])
        guard case .failure(.serverError(500, "30000001", let scrubbed?)) = interpret(500, body) else {
            Issue.record("expected a server error"); return
        }
        #expect(!scrubbed.contains("\n") && !scrubbed.contains("\u{1B}") && !scrubbed.contains("\u{07}"))
        #expect(scrubbed.utf8.count <= 210)
        #expect(scrubbed.hasPrefix("line one line two"))
    }

    @Test func anErrorCodeEchoingTheKeyIsScrubbed() {
        guard case .failure(.rejected(418, let code?, _)) = interpret(418, #"{"errorCode":"CANARY-API-KEY"}"#) else {
            Issue.record("expected rejected"); return
        }
        #expect(!code.contains("CANARY"))
    }
}
