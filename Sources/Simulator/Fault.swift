import FlyingFox
import Foundation

/// A misbehaviour the simulator can be told to show on its API paths (ctdUsages, Search Devices).
public enum Fault: Sendable, Equatable {
    /// Any status code with this body, served as `application/json`.
    case status(Int, body: String)
    /// An HTML page with this status, as a proxy or a wrong host would send.
    case html(status: Int)
    /// `200 OK` whose JSON stops halfway.
    case truncatedJSON
    /// Waits this long, then answers normally (or with another fault).
    case delay(Duration)
    /// `429 Too Many Requests`, with `Retry-After` when `retryAfterSeconds` is given.
    case rateLimited(retryAfterSeconds: Int?)
    /// `500` with Control Center's `30000001` body.
    case serverError
    /// `401` with Control Center's `10000001` body, whatever credentials were sent.
    case invalidCredentials
    /// `401` whose JSON body is ISO-8859-1 encoded (and says so in `Content-Type`).
    case latin1Error
    /// `400` with `10000030`: the user's role may not call this function.
    case roleNotAllowed
    /// `403` with a JSON body and no errorCode, as a gateway in front of one function may answer.
    case forbidden

    /// The name used by the `/_sim/faults` API and in request records.
    public var kind: String {
        switch self {
        case .status: "status"
        case .html: "html"
        case .truncatedJSON: "truncated"
        case .delay: "delay"
        case .rateLimited: "rate_limited"
        case .serverError: "server_error"
        case .invalidCredentials: "invalid_credentials"
        case .latin1Error: "latin1"
        case .roleNotAllowed: "role_not_allowed"
        case .forbidden: "forbidden"
        }
    }

    /// The answer this fault gives instead of the normal one (whose body is `normalBody`); `nil` for a pure delay.
    func response(normalBody deviceRecord: String) -> HTTPResponse? {
        switch self {
        case let .status(code, body):
            return .json(status: code, body)
        case let .html(status):
            return ControlCenterErrors.htmlPage(status: status)
        case .truncatedJSON:
            let bytes = Array(deviceRecord.utf8)
            return .make(status: 200, contentType: "application/json", body: Data(bytes.prefix(bytes.count / 2)))
        case .delay:
            return nil
        case let .rateLimited(retryAfter):
            return .json(
                status: 429, JSONText.object([("errorMessage", JSONText.string("Too many requests."))]),
                extraHeaders: retryAfter.map { [("Retry-After", String($0))] } ?? []
            )
        case .serverError:
            return ControlCenterErrors.serverError
        case .invalidCredentials:
            return ControlCenterErrors.invalidCredentials
        case .latin1Error:
            let text = JSONText.object([
                ("errorMessage", JSONText.string("Ung\u{FC}ltige Anmeldedaten.")),
                ("errorCode", JSONText.string("10000001")),
            ])
            return .make(
                status: 401, contentType: "application/json; charset=ISO-8859-1",
                body: text.data(using: .isoLatin1) ?? Data(text.utf8)
            )
        case .roleNotAllowed:
            return ControlCenterErrors.roleNotAllowed
        case .forbidden:
            return .json(status: 403, JSONText.object([("errorMessage", JSONText.string("Access is denied."))]))
        }
    }
}

/// An injected fault and how many more requests it applies to.
public struct FaultRule: Sendable, Equatable {
    /// `nil`: every device; a rule for one ICCID applies to its ctdUsages requests only.
    public var iccid: String?
    public var fault: Fault
    /// `nil`: until `clearFaults()`.
    public var remaining: Int?
    /// `nil`: every API endpoint.
    public var endpoint: SimulatedEndpoint? = nil

    func matches(_ requestICCID: String?, endpoint requestEndpoint: SimulatedEndpoint) -> Bool {
        (iccid == nil || iccid == requestICCID) && (endpoint == nil || endpoint == requestEndpoint)
    }

    var json: String {
        var fields: [(String, String)] = [
            ("iccid", iccid.map(JSONText.string) ?? "null"),
            ("kind", JSONText.string(fault.kind)),
            ("count", remaining.map { String($0) } ?? "null"),
            ("endpoint", endpoint.map { JSONText.string($0.rawValue) } ?? "null"),
        ]
        switch fault {
        case let .status(code, _), let .html(code): fields.append(("status", String(code)))
        case let .delay(duration): fields.append(("delay_ms", String(duration.milliseconds)))
        case let .rateLimited(seconds): fields.append(("retry_after", seconds.map { String($0) } ?? "null"))
        default: break
        }
        return JSONText.object(fields)
    }
}

/// Control Center's documented error answers, with its exact messages.
enum ControlCenterErrors {
    static let invalidCredentials = error(401, "Invalid credentials.", "10000001")
    static let invalidAPIVersion = error(400, "Invalid apiVersion.", "10000024")
    static let invalidICCID = error(404, "Resource not found - Invalid ICCID.", "20000001")
    static let serverError = error(500, "Unknown server error.", "30000001")
    static let roleNotAllowed = error(400, "The user's role is not allowed to call this API.", "10000030")

    /// A parameter that is missing, malformed or out of range. Control Center documents no code
    /// for these; `10000028` is the code clients report for parameter errors, so it is used for all.
    static func invalidParameter(_ message: String) -> HTTPResponse {
        error(400, message, "10000028")
    }

    static func error(_ status: Int, _ message: String, _ code: String) -> HTTPResponse {
        .json(status: status, JSONText.object([
            ("errorMessage", JSONText.string(message)), ("errorCode", JSONText.string(code)),
        ]))
    }

    /// What a web server that is not Control Center answers: HTML, no JSON.
    static func htmlPage(status: Int) -> HTTPResponse {
        let phrase = HTTPResponse.reasonPhrase(status)
        let detail = status == 404
            ? "The requested URL was not found on this server." : "The server could not complete your request."
        let page = """
        <!DOCTYPE html>
        <html><head><title>\(status) \(phrase)</title></head>
        <body><h1>\(phrase)</h1><p>\(detail)</p></body></html>

        """
        return .make(status: status, contentType: "text/html; charset=utf-8", body: Data(page.utf8))
    }
}

extension Duration {
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
