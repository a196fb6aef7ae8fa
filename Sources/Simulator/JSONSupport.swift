import FlyingFox
import Foundation

/// Any JSON value, decoded strictly: `true` is never a number and `1` never a Bool.
///
/// Not SimWatchCore's `JSONValue`: the Simulator imports no SimWatch target (it stands in for Control Center), so it keeps its own JSON helpers.
enum JSONValue: Decodable, Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses a request body that must be a JSON object; an empty body is an empty object.
    static func object(from data: Data) throws(ControlAPIError) -> [String: JSONValue] {
        if data.isEmpty { return [:] }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data),
              case let .object(fields) = value else {
            throw ControlAPIError(status: 400, message: "the body must be a JSON object")
        }
        return fields
    }
}

/// A 4xx answer of the control APIs, with a message that says what to send instead.
struct ControlAPIError: Error {
    var status: Int
    var message: String

    var response: HTTPResponse {
        HTTPResponse.json(status: status, JSONText.object([("error", JSONText.string(message))]))
    }
}

/// Reads typed fields out of a decoded JSON object, naming the field on a type mismatch.
struct JSONFields {
    let fields: [String: JSONValue]

    func string(_ key: String) throws(ControlAPIError) -> String? {
        switch fields[key] {
        case nil, .null?: return nil
        case let .string(value)?: return value
        default: throw mismatch(key, "a string")
        }
    }

    func int(_ key: String) throws(ControlAPIError) -> Int64? {
        switch fields[key] {
        case nil, .null?: return nil
        case let .int(value)?: return value
        default: throw mismatch(key, "an integer")
        }
    }

    func bool(_ key: String) throws(ControlAPIError) -> Bool? {
        switch fields[key] {
        case nil, .null?: return nil
        case let .bool(value)?: return value
        default: throw mismatch(key, "true or false")
        }
    }

    func rejectUnknown(allowed: Set<String>) throws(ControlAPIError) {
        let unknown = Set(fields.keys).subtracting(allowed).sorted()
        guard unknown.isEmpty else {
            throw ControlAPIError(
                status: 400,
                message: "unknown field(s) \(unknown.joined(separator: ", ")); allowed: \(allowed.sorted().joined(separator: ", "))"
            )
        }
    }

    private func mismatch(_ key: String, _ expected: String) -> ControlAPIError {
        ControlAPIError(status: 400, message: "field \(key) must be \(expected)")
    }
}

/// Builds JSON text by hand so that field order matches Control Center's own answers.
enum JSONText {
    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func optional(_ value: Int64?) -> String { value.map(String.init) ?? "null" }

    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }
}

extension HTTPResponse {
    /// A response with a status code FlyingFox may not have a constant for.
    static func make(status: Int, contentType: String?, body: Data, extraHeaders: [(String, String)] = []) -> HTTPResponse {
        var headers = HTTPHeaders()
        if let contentType { headers[.contentType] = contentType }
        for (name, value) in extraHeaders { headers[HTTPHeader(name)] = value }
        return HTTPResponse(
            statusCode: HTTPStatusCode(status, phrase: reasonPhrase(status)), headers: headers, body: body
        )
    }

    static func json(status: Int, _ text: String, extraHeaders: [(String, String)] = []) -> HTTPResponse {
        make(status: status, contentType: "application/json", body: Data(text.utf8), extraHeaders: extraHeaders)
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 413: "Content Too Large"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status \(status)"
        }
    }
}
