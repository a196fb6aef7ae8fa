import CurlHTTP
import Foundation

/// Turns one HTTP answer of `ctdUsages` into a record or a typed error. Pure: no I/O.
enum UsageResponse {
    /// Interprets `response` for `iccid`; `secrets` are removed from any body excerpt.
    static func interpret(
        _ response: HTTPResponse, iccid: String, apiVersion: Int, secrets: [String], now: Date = Date()
    ) -> Result<DeviceUsage, ControlCenterError> {
        let status = response.status
        let apiError = APIErrorBody(response.body)
        if (200..<300).contains(status) {
            return decodeUsage(response, iccid: iccid, secrets: secrets)
        }
        if status == 429 {
            return .failure(.rateLimited(retryAfter: RetryAfter.parse(response.header("Retry-After"), now: now)))
        }
        switch apiError?.code {
        case "10000001": return .failure(.invalidCredentials)
        case "10000024": return .failure(.invalidAPIVersion(apiVersion))
        case "10000031": return .failure(.invalidZone)
        case "20000001": return .failure(.deviceNotFound(iccid: iccid))
        case "30000001": return .failure(.serverError(status: status, code: "30000001", message: apiError?.message))
        default: break
        }
        switch status {
        case 401:
            // Control Center sometimes answers 401 with no body code at all.
            return .failure(.invalidCredentials)
        case 404 where apiError != nil:
            // A JSON 404 comes from the API itself; an HTML one means a wrong base_url.
            return .failure(.deviceNotFound(iccid: iccid))
        case 500..<600:
            return .failure(.serverError(status: status, code: apiError?.code, message: apiError?.message))
        case 400..<500 where apiError != nil:
            return .failure(.rejected(status: status, code: apiError?.code, message: apiError?.message))
        default:
            return .failure(unexpected(response, reason: "not a Control Center answer", secrets: secrets))
        }
    }

    private static func decodeUsage(
        _ response: HTTPResponse, iccid: String, secrets: [String]
    ) -> Result<DeviceUsage, ControlCenterError> {
        let usage: DeviceUsage
        do {
            usage = try JSONDecoder().decode(DeviceUsage.self, from: response.body)
        } catch let error as DecodingError {
            return .failure(unexpected(response, reason: describe(error), secrets: secrets))
        } catch {
            return .failure(unexpected(response, reason: "body is not JSON", secrets: secrets))
        }
        guard usage.iccid == iccid else {
            return .failure(unexpected(response, reason: "answer is for ICCID \(usage.iccid), not \(iccid)", secrets: secrets))
        }
        return .success(usage)
    }

    static func unexpected(_ response: HTTPResponse, reason: String, secrets: [String]) -> ControlCenterError {
        .unexpectedResponse(status: response.status, snippet: snippet(response.body, secrets: secrets), reason: reason)
    }

    /// The first 200 bytes as one printable line, with every secret replaced.
    static func snippet(_ body: Data, secrets: [String]) -> String {
        var text = decodeText(body)
        for secret in secrets where !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "<redacted>")
        }
        let cut = String(decoding: Array(text.utf8.prefix(200)), as: UTF8.self)
        let oneLine = cut.map { $0.isNewline || $0 == "\t" ? " " : $0 }
        let printable = String(oneLine).unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }
        return "\"" + String(String.UnicodeScalarView(printable)) + (text.utf8.count > 200 ? "…" : "") + "\""
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
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            "JSON field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type"
        @unknown default:
            "JSON has the wrong shape"
        }
    }
}

/// Control Center's error body: `{"errorMessage": "...", "errorCode": "10000001"}`.
struct APIErrorBody: Equatable {
    var code: String?
    var message: String?

    /// Parses an error body in UTF-8 or ISO-8859-1; `nil` when it is not a JSON object.
    init?(_ body: Data) {
        let text = UsageResponse.decodeText(body)
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return nil
        }
        switch object["errorCode"] {
        case let string as String: code = string
        case let number as NSNumber: code = number.stringValue
        default: code = nil
        }
        message = object["errorMessage"] as? String
    }
}
