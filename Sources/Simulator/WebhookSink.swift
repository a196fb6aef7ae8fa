import FlyingFox
import Foundation
import Logging

/// A canned answer of the webhook sink.
public struct SinkResponse: Sendable, Equatable {
    public var status: Int
    /// Extra headers, e.g. `["Retry-After": "3"]`.
    public var headers: [String: String]
    public var body: String

    public init(status: Int, headers: [String: String] = [:], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// What Slack answers to a good webhook post.
    public static let ok = SinkResponse(status: 200, headers: ["Content-Type": "text/plain"], body: "ok")

    var httpResponse: HTTPResponse {
        let contentType = headers.first { $0.key.lowercased() == "content-type" }?.value ?? "text/plain"
        let extra = headers.filter { $0.key.lowercased() != "content-type" }.sorted { $0.key < $1.key }
        return .make(status: status, contentType: contentType, body: Data(body.utf8), extraHeaders: extra)
    }
}

/// One POST the webhook sink received.
public struct WebhookRecord: Sendable, Equatable {
    public var method: String
    public var path: String
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: Data
    public var receivedAt: Date
    public var received: ContinuousClock.Instant
    /// The status the sink answered with.
    public var status: Int

    /// A header by case-insensitive name.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as UTF-8 text (invalid bytes replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A fake chat webhook receiver: records every POST and answers 200 "ok" unless told to fail.
///
/// HTTP control under `/_sink/` (JSON, no auth):
/// ```
/// GET    /_sink/requests   [{"method", "path", "headers": {...}, "body": "...", "received_at", "status"}]
/// DELETE /_sink/requests   forget recorded requests
/// POST   /_sink/fail       {"status": 500, "count": 3 (omit: until DELETE), "retry_after": 3, "body": "..."}
///                          ("retry_after" may also be a string sent verbatim, e.g. "1e300" or
///                          an HTTP date, to try how simwatch bears a hostile receiver)
/// DELETE /_sink/fail       answer 200 "ok" again
/// ```
public actor WebhookSink {
    public typealias Record = WebhookRecord

    private let logger: Logger
    private var records: [Record] = []
    private var queued: [SinkResponse] = []
    private var failure: SinkResponse?
    /// How long to keep each of the next POSTs open before answering (a slow receiver).
    private var holds: [Duration] = []
    /// POSTs being held open right now.
    public private(set) var holding = 0
    private var server: RunningHTTPServer?
    private var boundHost = "127.0.0.1"

    public init(logger: Logger = Logger(label: "simwatch.webhook-sink")) {
        self.logger = logger
    }

    /// Starts listening and returns the bound port (`port: 0` picks a free one).
    @discardableResult
    public func start(host: String = "127.0.0.1", port: UInt16 = 0) async throws -> UInt16 {
        if let server { return server.port }
        let running = try await RunningHTTPServer.start(
            host: host, port: port, logger: logger, handler: WebhookSinkHTTPHandler(sink: self)
        )
        server = running
        boundHost = host
        return running.port
    }

    /// Stops listening; recorded requests stay.
    public func stop() async {
        guard let running = server else { return }
        server = nil
        await running.stop()
    }

    /// The URL to configure as a webhook, e.g. `http://127.0.0.1:PORT/hook` (valid after `start`);
    /// `path: ""` gives the bare base URL, for the `/_sink/` control paths.
    public func url(path: String = "/hook") -> String {
        let host = boundHost == "0.0.0.0" ? "127.0.0.1" : boundHost.contains(":") ? "[\(boundHost)]" : boundHost
        let suffix = path.isEmpty || path.hasPrefix("/") ? path : "/" + path
        return "http://\(host):\(server?.port ?? 0)\(suffix)"
    }

    /// Every POST received so far, oldest first.
    public var requests: [Record] { records }

    /// Forgets the recorded requests.
    public func clearRequests() { records.removeAll() }

    /// Waits until at least `count` POSTs arrived or `timeout` passed, and returns what arrived.
    public func waitForRequests(count: Int, timeout: Duration = .seconds(5)) async -> [Record] {
        let deadline = ContinuousClock.now + timeout
        // The actor is free while this sleeps, so arriving requests are recorded meanwhile.
        while records.count < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return records
    }

    /// Answers the next POSTs with these responses, in order, then goes back to the default.
    public func respond(with responses: [SinkResponse]) {
        queued.append(contentsOf: responses)
    }

    /// Fails the next `count` POSTs with `status` (and e.g. `["Retry-After": "3"]`).
    public func failNext(_ count: Int, status: Int = 500, headers: [String: String] = [:], body: String = "") {
        respond(with: Array(repeating: SinkResponse(status: status, headers: headers, body: body), count: max(0, count)))
    }

    /// Fails every POST until `recover()` (after any queued responses).
    public func failAll(status: Int = 500, headers: [String: String] = [:], body: String = "") {
        failure = SinkResponse(status: status, headers: headers, body: body)
    }

    /// Keeps each of the next `count` POSTs open for `duration` before answering it, as a
    /// slow receiver (or a proxy) does; the request is recorded when it is answered.
    public func holdNext(_ count: Int = 1, for duration: Duration) {
        holds.append(contentsOf: Array(repeating: duration, count: max(0, count)))
    }

    /// The hold for a POST that just arrived, if one is queued; counts it as held.
    func beginHold(method: String) -> Duration? {
        guard method == "POST", !holds.isEmpty else { return nil }
        holding += 1
        return holds.removeFirst()
    }

    func endHold() { holding -= 1 }

    /// Back to answering 200 "ok": drops queued responses and `failAll`.
    public func recover() {
        queued.removeAll()
        failure = nil
    }

    func receive(method: String, path: String, headers: HTTPHeaders, body: Data) -> HTTPResponse {
        guard method == "POST" else {
            return .make(status: 405, contentType: "text/plain", body: Data("only POST is accepted\n".utf8),
                         extraHeaders: [("Allow", "POST")])
        }
        let answer = queued.isEmpty ? (failure ?? .ok) : queued.removeFirst()
        var flattened: [String: String] = [:]
        for (name, value) in headers {
            let key = name.rawValue.lowercased()
            flattened[key] = flattened[key].map { "\($0), \(value)" } ?? value
        }
        records.append(Record(
            method: method, path: path, headers: flattened, body: body,
            receivedAt: Date(), received: .now, status: answer.status
        ))
        logger.debug("webhook sink received", metadata: ["path": "\(path)", "bytes": "\(body.count)", "status": "\(answer.status)"])
        return answer.httpResponse
    }

    func handleControl(method: String, path: String, body: Data) -> HTTPResponse {
        switch (method, path) {
        case ("GET", "/_sink/requests"):
            return .json(status: 200, JSONText.array(records.map(Self.json)))
        case ("DELETE", "/_sink/requests"):
            clearRequests()
            return .json(status: 200, "[]")
        case ("POST", "/_sink/fail"):
            do throws(ControlAPIError) {
                let fields = JSONFields(fields: try JSONValue.object(from: body))
                try fields.rejectUnknown(allowed: ["status", "count", "retry_after", "body"])
                let status = Int(try fields.int("status") ?? 500)
                guard (100...599).contains(status) else {
                    throw ControlAPIError(status: 400, message: "field status must be an HTTP status code (100-599)")
                }
                let headers = try Self.retryAfter(fields).map { ["Retry-After": $0] } ?? [:]
                let text = try fields.string("body") ?? ""
                if let count = try fields.int("count") {
                    failNext(Int(count), status: status, headers: headers, body: text)
                } else {
                    failAll(status: status, headers: headers, body: text)
                }
                return .json(status: 200, JSONText.object([("failing", "true")]))
            } catch {
                return error.response
            }
        case ("DELETE", "/_sink/fail"):
            recover()
            return .json(status: 200, JSONText.object([("failing", "false")]))
        default:
            return ControlAPIError(
                status: 404, message: "no such control path; try GET/DELETE /_sink/requests, POST/DELETE /_sink/fail"
            ).response
        }
    }

    /// `retry_after` as the header value: an integer, or any string verbatim.
    private static func retryAfter(_ fields: JSONFields) throws(ControlAPIError) -> String? {
        if case .string(let text)? = fields.fields["retry_after"] { return text }
        do {
            return try fields.int("retry_after").map { String($0) }
        } catch {
            throw ControlAPIError(status: 400, message: "field retry_after must be an integer or a string (sent verbatim)")
        }
    }

    private static func json(_ record: Record) -> String {
        JSONText.object([
            ("method", JSONText.string(record.method)),
            ("path", JSONText.string(record.path)),
            ("headers", JSONText.object(record.headers.sorted { $0.key < $1.key }.map { ($0.key, JSONText.string($0.value)) })),
            ("body", JSONText.string(record.bodyText)),
            ("received_at", JSONText.string(RequestRecord.timestamp(record.receivedAt))),
            ("status", String(record.status)),
        ])
    }
}

/// Sends `/_sink/` to the control API and everything else to the recorder.
struct WebhookSinkHTTPHandler: HTTPHandler {
    let sink: WebhookSink

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let body = try await request.bodyData
        if request.path.hasPrefix("/_sink/") {
            return await sink.handleControl(method: request.method.rawValue, path: request.path, body: body)
        }
        if let hold = await sink.beginHold(method: request.method.rawValue) {
            try? await Task.sleep(for: hold)
            await sink.endHold()
        }
        return await sink.receive(method: request.method.rawValue, path: request.path, headers: request.headers, body: body)
    }
}
