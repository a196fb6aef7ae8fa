import CurlHTTP
import Foundation
import SimWatchCore

/// Turns one HTTP answer of `ctdUsages` into a record or a typed error. Pure: no I/O.
///
/// Whatever the server (or a gateway in front of it) sends, the result is a plausible
/// record or an error: an answer that would make a false event (a negative counter, a
/// record for another device, a gateway's 404) is an unexpected response. Text the server
/// sends back goes through the account's `RedactedURL` before it leaves here.
enum UsageResponse {
    /// Interprets `response` for `iccid`; `redactor` scrubs every excerpt and server message.
    static func interpret(
        _ response: HTTPResponse, iccid: String, apiVersion: Int, redactor: RedactedURL, now: Date = Date()
    ) -> Result<DeviceUsage, ControlCenterError> {
        let status = response.status
        if status == 429 {
            return .failure(rateLimited(response, now: now))
        }
        if (200..<300).contains(status) {
            return interpretRecord(response, iccid: iccid, redactor: redactor, now: now)
        }
        return .failure(failure(response, apiError: APIErrorBody(response.body), iccid: iccid, apiVersion: apiVersion,
                                redactor: redactor, now: now))
    }

    /// The error a non-2xx answer means, for any function; `iccid` is the device asked about, if any.
    ///
    /// `apiError` is the body parsed once, as an error body, since it is not a success.
    static func failure(
        _ response: HTTPResponse, apiError: APIErrorBody?, iccid: String?, apiVersion: Int, redactor: RedactedURL, now: Date
    ) -> ControlCenterError {
        let status = response.status
        if apiError?.code == APIErrorBody.rateLimitExceeded {
            return rateLimited(response, now: now)
        }
        let message = apiError?.message.map { scrubbed($0, redactor) }
        let code = apiError?.code.map { scrubbed($0, redactor) }
        switch apiError?.code {
        case "10000001": return .invalidCredentials
        case "10000024": return .invalidAPIVersion(apiVersion)
        case "10000031": return .invalidZone
        case "20000001" where status == 404 && iccid != nil: return .deviceNotFound(iccid: iccid ?? "")
        case "30000001": return .serverError(status: status, code: "30000001", message: message)
        default: break
        }
        switch status {
        case 401:
            // Control Center sometimes answers 401 with no body code at all.
            return .invalidCredentials
        case 404:
            // Only 20000001 says the device is missing: an HTML 404 means a wrong base_url, a
            // JSON one without that code a gateway's, and either would "lose" the whole fleet.
            let reason = apiError == nil
                ? "not a Control Center answer"
                : "a 404 without error 20000001, not Control Center's answer for a missing device"
            return unexpected(response, reason: reason, redactor: redactor)
        case 500..<600:
            return .serverError(status: status, code: code, message: message)
        case 400..<500 where apiError != nil:
            return .rejected(status: status, code: code, message: message)
        default:
            return unexpected(response, reason: "not a Control Center answer", redactor: redactor)
        }
    }


    /// `interpret` with a redactor that knows only `secrets`, for tests and fuzz targets.
    static func interpret(
        _ response: HTTPResponse, iccid: String, apiVersion: Int, secrets: [String], now: Date = Date()
    ) -> Result<DeviceUsage, ControlCenterError> {
        interpret(response, iccid: iccid, apiVersion: apiVersion, redactor: RedactedURL("", secrets: secrets), now: now)
    }

    /// A 2xx answer: a plausible record for `iccid`, or why not.
    private static func interpretRecord(
        _ response: HTTPResponse, iccid: String, redactor: RedactedURL, now: Date
    ) -> Result<DeviceUsage, ControlCenterError> {
        let usage: DeviceUsage
        do {
            usage = try DeviceUsageDecoder.decode(response.body, requested: iccid)
        } catch {
            // Not a record; an error body in a 2xx is still Control Center talking.
            let apiError = APIErrorBody(response.body)
            if apiError?.code == APIErrorBody.rateLimitExceeded {
                return .failure(rateLimited(response, now: now))
            }
            let reason = apiError?.code.map { "an error answer (error \(scrubbed($0, redactor))) with a success status" }
                ?? (error as? DecodingError).map(describe) ?? "body is not JSON"
            return .failure(unexpected(response, reason: reason, redactor: redactor))
        }
        if let implausible = implausibility(of: usage, for: iccid) {
            return .failure(unexpected(response, reason: implausible, redactor: redactor))
        }
        return .success(usage)
    }

    /// Why a well-formed record cannot be true, or `nil` when it can.
    static func implausibility(of usage: DeviceUsage, for iccid: String) -> String? {
        guard usage.iccid == iccid else {
            // The other ICCID is the server's text: only digits of a sane length are quoted.
            let other = ICCID.isValid(usage.iccid) ? usage.iccid : "that is not a valid ICCID"
            return "answer is for ICCID \(other), not \(iccid)"
        }
        for metric in Metric.allCases {
            if let value = usage.counter(metric), value < 0 {
                return "JSON field \"\(DeviceUsage.fieldName(metric))\" is negative (\(value))"
            }
        }
        // Real values are a few dozen bytes; a huge one would be stored and posted on every change.
        let texts: [(String, String?)] = [
            ("imsi", usage.imsi), ("msisdn", usage.msisdn), ("imei", usage.imei), ("status", usage.status),
            ("ratePlan", usage.ratePlan), ("communicationPlan", usage.communicationPlan),
            ("overageLimitOverride", usage.overageLimitOverride),
        ]
        for (field, text) in texts where (text?.utf8.count ?? 0) > maxTextBytes {
            return "JSON field \"\(field)\" is longer than \(maxTextBytes) bytes"
        }
        return nil
    }

    /// The longest text field a record may carry.
    static let maxTextBytes = 1024

    static func rateLimited(_ response: HTTPResponse, now: Date) -> ControlCenterError {
        .rateLimited(retryAfter: RetryAfter.parse(response.header("Retry-After"), now: now, cap: RetryAfter.controlCenterCap))
    }

    static func unexpected(_ response: HTTPResponse, reason: String, redactor: RedactedURL) -> ControlCenterError {
        .unexpectedResponse(status: response.status, snippet: snippet(response.body, redactor: redactor), reason: reason)
    }

    /// The first 200 bytes as one printable, scrubbed line, in quotes.
    static func snippet(_ body: Data, redactor: RedactedURL) -> String {
        "\"" + redactor.excerpt(body, limit: 200) + "\""
    }

    /// A server's message as one printable, scrubbed line of at most 200 bytes.
    static func scrubbed(_ message: String, _ redactor: RedactedURL) -> String {
        redactor.excerpt(Array(message.utf8), limit: 200)
    }

    /// UTF-8 when valid, otherwise ISO-8859-1 (which Control Center uses for some errors).
    static func decodeText(_ body: Data) -> String {
        String(data: body, encoding: .utf8) ?? String(decoding: body.map { UInt16($0) }, as: UTF16.self)
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            "body is not valid JSON (truncated?)"
        case .keyNotFound(let key, _):
            "JSON has no \"\(key.stringValue)\""
        case .dataCorrupted(let context):
            "JSON field \"\(path(context))\" is out of range or not a whole number"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            context.codingPath.isEmpty ? "body is not a Control Center record" : "JSON field \"\(path(context))\" has the wrong type"
        @unknown default:
            "JSON has the wrong shape"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map(\.stringValue).joined(separator: ".")
    }
}

/// Control Center's error body: `{"errorMessage": "...", "errorCode": "10000001"}`.
///
/// The message is the server's raw text: scrub it before it goes anywhere.
struct APIErrorBody: Equatable {
    /// "Rate limit exceeded", whatever the HTTP status that carries it.
    static let rateLimitExceeded = "40000029"
    var code: String?
    var message: String?

    /// Parses an error body in UTF-8 or ISO-8859-1; `nil` when it is not a JSON object.
    init?(_ body: Data) {
        let text = UsageResponse.decodeText(body)
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return nil
        }
        switch object["errorCode"] {
        case let string as String: code = string.trimmingCharacters(in: .whitespaces)
        case let number as NSNumber: code = number.stringValue
        default: code = nil
        }
        message = object["errorMessage"] as? String
    }
}
