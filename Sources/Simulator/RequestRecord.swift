import Foundation

/// The Control Center functions the simulator serves.
public enum SimulatedEndpoint: String, Sendable, CaseIterable {
    /// `GET /rws/api/v1/devices/{iccid}/ctdUsages`
    case ctdUsages = "ctd_usages"
    /// `GET /rws/api/v1/devices?modifiedSince=...`
    case searchDevices = "search_devices"
}

/// One request the simulator answered on its API paths (control API calls are not recorded).
public struct RequestRecord: Sendable, Equatable {
    public var method: String
    public var path: String
    /// The query as sent, still percent-encoded (`""` when there is none).
    public var query: String = ""
    /// The function the path names; `nil` for a path Control Center does not serve.
    public var endpoint: SimulatedEndpoint?
    /// The ICCID from a `/devices/{iccid}/...` path, whether or not it exists.
    public var iccid: String?
    public var status: Int
    /// The kinds of the faults applied (`delay`, `server_error`, ...), empty for a normal answer.
    public var faults: [String]
    /// Wall-clock times, for people.
    public var startedAt: Date
    public var endedAt: Date
    /// Monotonic times, for measuring rates and overlap.
    public var start: ContinuousClock.Instant
    public var end: ContinuousClock.Instant

    public var duration: Duration { end - start }

    /// The record as JSON; monotonic times as milliseconds since `epoch`.
    func json(epoch: ContinuousClock.Instant) -> String {
        JSONText.object([
            ("method", JSONText.string(method)),
            ("path", JSONText.string(path)),
            ("query", JSONText.string(query)),
            ("endpoint", endpoint.map { JSONText.string($0.rawValue) } ?? "null"),
            ("iccid", iccid.map(JSONText.string) ?? "null"),
            ("status", String(status)),
            ("faults", JSONText.array(faults.map(JSONText.string))),
            ("started_at", JSONText.string(Self.timestamp(startedAt))),
            ("ended_at", JSONText.string(Self.timestamp(endedAt))),
            ("start_ms", String(format: "%.3f", (start - epoch).fractionalMilliseconds)),
            ("end_ms", String(format: "%.3f", (end - epoch).fractionalMilliseconds)),
        ])
    }

    // The Simulator imports no SimWatch target (it stands in for Control Center), so it keeps its own date and Duration helpers.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

extension Duration {
    var fractionalMilliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
