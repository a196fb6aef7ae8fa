import Foundation
import SimWatchCore
import SimWatchMonitor

/// `simwatch silence list` and the silences part of `status`: a table or JSON.
///
/// Reasons and match values are the operator's text, maybe hand-edited in the file:
/// they are printed with control characters stripped.
public struct SilenceReport: Sendable {
    /// One silence as listed.
    public struct Row: Sendable, Encodable, Equatable {
        public var id: String
        /// `active`, `pending` (starts later) or `expired`.
        public var state: String
        public var match: [String: [String]]
        public var startsAt: Date
        public var endsAt: Date
        public var reason: String
        public var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, state, match, reason
            case startsAt = "starts_at"
            case endsAt = "ends_at"
            case createdAt = "created_at"
        }
    }

    public var rows: [Row]

    /// Every silence, newest end last; with `activeOnly`, those in force at `now`.
    public init(silences: [Silence], now: Date, activeOnly: Bool = false) {
        rows = silences
            .filter { !activeOnly || $0.isActive(at: now) }
            .sorted { ($0.endsAt, $0.id) < ($1.endsAt, $1.id) }
            .map { silence in
                Row(
                    id: silence.id,
                    state: silence.isActive(at: now) ? "active" : silence.startsAt > now ? "pending" : "expired",
                    match: silence.match.conditions.reduce(into: [:]) { $0[$1.key.description] = $1.value.sorted() },
                    startsAt: silence.startsAt, endsAt: silence.endsAt, reason: silence.reason, createdAt: silence.createdAt)
            }
    }

    /// One line per silence: id, state, until, match, reason.
    public func table() -> String {
        guard !rows.isEmpty else { return "no silences" }
        let header = ["ID", "STATE", "ENDS", "MATCH", "REASON"]
        let lines = rows.map { row in
            let match = row.match.keys.sorted().map { "\($0)=\(row.match[$0, default: []].joined(separator: "|"))" }
                .joined(separator: " ")
            return [row.id, row.state, Timestamp.minuteUTC(row.endsAt), TerminalText.clean(match), TerminalText.clean(row.reason)]
        }
        let widths = (0..<header.count - 1).map { column in
            ([header] + lines).map { $0[column].count }.max() ?? 0
        }
        return ([header] + lines).map { cells in
            cells.enumerated().map { index, cell in
                index < widths.count ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) : cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `status`'s closing part: the silences in force, or why the file could not be read.
    public static func inForce(path: String, now: Date) -> String {
        switch SilenceStore(path: path).read() {
        case .success(let silences):
            let report = SilenceReport(silences: silences, now: now, activeOnly: true)
            return report.rows.isEmpty ? "\nSilences in force: none" : "\nSilences in force:\n" + report.table()
        case .failure(let problem):
            return "\nSilences: \(TerminalText.clean(problem.message))"
        }
    }

    /// The rows as a JSON array (escaped by the encoder, so any text is safe).
    public func json() throws -> String {
        String(decoding: try JSONEncoder.simwatch(pretty: true).encode(rows), as: UTF8.self)
    }
}
