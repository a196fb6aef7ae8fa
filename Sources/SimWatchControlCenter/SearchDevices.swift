import CurlHTTP
import Foundation
import SimWatchCore

/// Search Devices (`GET /rws/api/v1/devices`): the SIMs of the account modified since a time.
///
/// Every page is one request on the account's one path (`perform`): the same limiter,
/// retries, pauses and redaction as `ctdUsages`.
extension ControlCenterClient {
    /// Asked for on every page; Control Center's maximum.
    public static let searchPageSize = 50
    /// The highest page number followed: 100,000 SIMs are 2,000 pages, so this allows for
    /// fifty times that before a listing that never ends is called an unexpected answer.
    public static let maxSearchPages = 100_000

    /// The URL of one page; `modifiedSince` is sent with a numeric offset, its `+` as `%2B`
    /// (a raw `+` in a query reads as a space).
    public func searchDevicesURL(modifiedSince: Date, pageNumber: Int, accountID: String?) -> String {
        let since = Timestamp.iso8601WithOffset(modifiedSince).replacingOccurrences(of: "+", with: "%2B")
        var url = "\(settings.baseURL)/rws/api/v\(settings.apiVersion)/devices?modifiedSince=\(since)"
            + "&pageSize=\(Self.searchPageSize)&pageNumber=\(pageNumber)"
        // The configuration allows digits only, so it needs no encoding.
        if let accountID { url += "&accountId=\(accountID)" }
        return url
    }

    /// One page of the SIMs modified at or after `modifiedSince`.
    ///
    /// Throws `ControlCenterError` (`.roleNotAllowed` for 10000030 or 403, `.invalidCredentials`
    /// for 401), or `CancellationError`.
    public func searchDevices(modifiedSince: Date, pageNumber: Int, accountID: String? = nil) async throws -> DeviceListingPage {
        let page = min(max(1, pageNumber), Self.maxSearchPages)
        let url = searchDevicesURL(modifiedSince: modifiedSince, pageNumber: page, accountID: accountID)
        return try await perform(url: url, subject: ["function": "search_devices", "page": "\(page)"]) {
            [settings, redactor] response in
            SearchDevicesResponse.interpret(response, pageNumber: page, apiVersion: settings.apiVersion, redactor: redactor)
        }
    }
}

/// Turns one HTTP answer of Search Devices into a page or a typed error. Pure: no I/O.
enum SearchDevicesResponse {
    /// The function's name in messages.
    static let function = "Search Devices"
    /// "The user's role may not call this function".
    static let roleNotAllowedCode = "10000030"

    /// Interprets the answer to page `pageNumber`; `redactor` scrubs every excerpt and server message.
    static func interpret(
        _ response: HTTPResponse, pageNumber: Int, apiVersion: Int, redactor: RedactedURL, now: Date = Date()
    ) -> Result<DeviceListingPage, ControlCenterError> {
        let status = response.status
        if status == 429 {
            return .failure(UsageResponse.rateLimited(response, now: now))
        }
        if (200..<300).contains(status) {
            do {
                return .success(try DeviceListing.decode(response.body, pageNumber: pageNumber))
            } catch {
                // Not a page; an error body in a 2xx is still Control Center talking.
                let apiError = APIErrorBody(response.body)
                if let refusal = roleRefusal(status: status, apiError: apiError) { return .failure(refusal) }
                if apiError?.code == APIErrorBody.rateLimitExceeded {
                    return .failure(UsageResponse.rateLimited(response, now: now))
                }
                let reason = apiError?.code.map {
                    "an error answer (error \(UsageResponse.scrubbed($0, redactor))) with a success status"
                } ?? error.reason
                return .failure(UsageResponse.unexpected(response, reason: reason, redactor: redactor))
            }
        }
        let apiError = APIErrorBody(response.body)
        if let refusal = roleRefusal(status: status, apiError: apiError) { return .failure(refusal) }
        return .failure(UsageResponse.failure(
            response, apiError: apiError, iccid: nil, apiVersion: apiVersion, redactor: redactor, now: now))
    }

    /// 10000030 with any status, or a 403: this user may not search devices.
    private static func roleRefusal(status: Int, apiError: APIErrorBody?) -> ControlCenterError? {
        if apiError?.code == roleNotAllowedCode {
            return .roleNotAllowed(function: function, status: status, code: roleNotAllowedCode)
        }
        if status == 403 {
            return .roleNotAllowed(function: function, status: status, code: nil)
        }
        return nil
    }
}
