import CurlHTTP
import SimWatchCore

/// Why a Control Center call did not return a usage record.
///
/// Messages name the ICCID and what to check; they never carry the API key.
public enum ControlCenterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401 / 10000001: wrong user name or API key, or a client address outside the allowed range.
    case invalidCredentials
    /// 400 / 10000024: the configured `api_version` is not served.
    case invalidAPIVersion(Int)
    /// 400 / 10000031.
    case invalidZone
    /// 404 / 20000001: Control Center does not know this ICCID on this account.
    case deviceNotFound(iccid: String)
    /// 5xx, or errorCode 30000001.
    case serverError(status: Int, code: String?, message: String?)
    /// 429, or error 40000029 with any status, with the pause the server asked for (at most 30 s).
    case rateLimited(retryAfter: Duration?)
    /// Another documented-looking error answer (a 4xx with an error body).
    case rejected(status: Int, code: String?, message: String?)
    /// An answer that is not what the API sends: HTML, truncated or wrongly shaped JSON.
    case unexpectedResponse(status: Int, snippet: String, reason: String)
    /// The request never got an HTTP answer: timeout, refused, DNS.
    case transport(HTTPClientError)
    /// The ICCID is not 15 to 22 digits; it was not sent.
    case invalidICCID(String)
    /// 10000030, or 401/403 on this function alone: the API user's role may not call it.
    case roleNotAllowed(function: String, status: Int, code: String?)

    /// Whether trying again later may succeed; 400, 401 and 404 never do.
    public var isRetryable: Bool {
        switch self {
        case .serverError, .rateLimited, .transport: true
        case .invalidCredentials, .invalidAPIVersion, .invalidZone, .deviceNotFound, .rejected,
             .unexpectedResponse, .invalidICCID, .roleNotAllowed: false
        }
    }

    /// The Control Center error code this corresponds to, when it has one.
    public var apiCode: String? {
        switch self {
        case .invalidCredentials: "10000001"
        case .invalidAPIVersion: "10000024"
        case .invalidZone: "10000031"
        case .deviceNotFound: "20000001"
        case .serverError(_, let code, _): code ?? "30000001"
        case .rejected(_, let code, _): code
        case .roleNotAllowed(_, _, let code): code
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .invalidCredentials:
            "invalid credentials (HTTP 401, error 10000001): check control_center.username and the API key, and that this host's address is allowed for the account"
        case .invalidAPIVersion(let version):
            "invalid apiVersion (HTTP 400, error 10000024): the server does not serve api_version \(version); use 1"
        case .invalidZone:
            "invalid zone (HTTP 400, error 10000031)"
        case .deviceNotFound(let iccid):
            "device \(iccid) not found (HTTP 404, error 20000001): the ICCID is not on this account"
        case .serverError(let status, let code, let message):
            "server error (HTTP \(status)\(code.map { ", error \($0)" } ?? "")\(message.map { ": \($0)" } ?? "")); will retry"
        case .rateLimited(let retryAfter):
            "rate limited (HTTP 429 or error 40000029)\(retryAfter.map { ", retry after \($0)" } ?? ""); lower control_center.rate_limit, or check what else uses the account"
        case .rejected(let status, let code, let message):
            "request rejected (HTTP \(status)\(code.map { ", error \($0)" } ?? "")\(message.map { ": \($0)" } ?? ""))"
        case .unexpectedResponse(let status, let snippet, let reason):
            "unexpected response (HTTP \(status), \(reason)); is control_center.base_url right? body starts: \(snippet)"
        case .transport(let error):
            "\(error)"
        case .invalidICCID(let iccid):
            "invalid ICCID \"\(iccid)\": expected 15 to 22 digits"
        case .roleNotAllowed(let function, let status, let code):
            "the API user's role may not call \(function) (HTTP \(status)\(code.map { ", error \($0)" } ?? "")): "
                + "give control_center.username a role that may (e.g. ACCOUNTREADONLY), or turn off fleet.discover "
                + "and fleet.changes_every; usage polling goes on"
        }
    }
}
