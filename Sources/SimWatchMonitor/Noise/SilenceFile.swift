import Foundation
import SimWatchConfig
import SimWatchCore

/// The silences file's contents and their JSON form, with every bound a hostile or
/// hand-edited file needs.
///
/// ```json
/// {"version": 1, "silences": [{"id": "1f3a9c0e", "match": {"label.site": ["berlin"]},
///   "starts_at": "…", "ends_at": "…", "reason": "…", "created_at": "…"}]}
/// ```
public enum SilenceFile {
    /// Larger files are not read: a thousand silences take about 300 KB.
    public static let maxBytes = 1 << 20
    public static let maxSilences = 1_000
    public static let maxReasonLength = 500
    public static let maxKeys = 20
    public static let maxValuesPerKey = 100
    /// Expired silences stay this long for `silence list`, then leave the file.
    public static let keepExpired: TimeInterval = 7 * 86_400

    /// The file's bytes for `silences`, pretty-printed for people.
    public static func encode(_ silences: [Silence]) -> [UInt8] {
        let file = FileForm(version: 1, silences: silences.map(Record.init))
        // Strings, dates and string lists always encode.
        guard let data = try? JSONEncoder.simwatch(pretty: true).encode(file) else {
            preconditionFailure("silences not encodable")
        }
        return Array(data) + [0x0A]
    }

    /// The silences in `bytes`, or what is wrong with them.
    public static func decode(_ bytes: [UInt8]) -> Result<[Silence], SilenceFileProblem> {
        guard bytes.count <= maxBytes else { return .failure(.init("larger than \(maxBytes) bytes")) }
        let file: FileForm
        do {
            file = try JSONDecoder.simwatch().decode(FileForm.self, from: Data(bytes))
        } catch {
            return .failure(.init("not a silences file: \(Self.describe(error))"))
        }
        guard file.version == 1 else { return .failure(.init("unknown version \(file.version); this build reads version 1")) }
        guard file.silences.count <= maxSilences else {
            return .failure(.init("\(file.silences.count) silences; at most \(maxSilences) are allowed"))
        }
        var silences: [Silence] = []
        var seen: Set<String> = []
        for (index, record) in file.silences.enumerated() {
            switch record.silence() {
            case .success(let silence):
                guard seen.insert(silence.id).inserted else {
                    return .failure(.init("silences[\(index)]: id \(silence.id) appears twice"))
                }
                silences.append(silence)
            case .failure(let problem):
                return .failure(.init("silences[\(index)]: \(problem.message)"))
            }
        }
        return .success(silences)
    }

    /// `silences` without those that ended more than `keepExpired` before `now`.
    public static func pruned(_ silences: [Silence], now: Date) -> [Silence] {
        silences.filter { now.timeIntervalSince($0.endsAt) <= keepExpired }
    }

    /// A decoding error in a line: the key path and what was wrong, never the file's text.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "invalid JSON" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "" : " at \(keys.hasPrefix(".") ? String(keys.dropFirst()) : keys)"
        }
        switch error {
        case .dataCorrupted(let context): return "invalid JSON or value\(path(context))"
        case .keyNotFound(let key, let context): return "missing \"\(key.stringValue)\"\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "wrong type\(path(context))"
        @unknown default: return "invalid JSON"
        }
    }

    private struct FileForm: Codable {
        var version: Int
        var silences: [Record]
    }

    /// One silence as the file writes it: the match as key → list of values.
    private struct Record: Codable {
        var id: String
        var match: [String: [String]]
        var startsAt: Date
        var endsAt: Date
        var reason: String
        var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, match, reason
            case startsAt = "starts_at"
            case endsAt = "ends_at"
            case createdAt = "created_at"
        }

        init(_ silence: Silence) {
            id = silence.id
            match = silence.match.conditions.reduce(into: [:]) { $0[$1.key.description] = $1.value.sorted() }
            startsAt = silence.startsAt
            endsAt = silence.endsAt
            reason = silence.reason
            createdAt = silence.createdAt
        }

        func silence() -> Result<Silence, SilenceFileProblem> {
            guard Silence.isID(id) else { return .failure(.init("id must be 8 hex digits")) }
            guard reason.count <= SilenceFile.maxReasonLength else {
                return .failure(.init("reason longer than \(SilenceFile.maxReasonLength) characters"))
            }
            guard match.count <= SilenceFile.maxKeys else { return .failure(.init("more than \(SilenceFile.maxKeys) match keys")) }
            var conditions: [EventMatch.Key: Set<String>] = [:]
            for (name, values) in match {
                guard case .success(let key) = EventMatch.Key.parse(name) else {
                    return .failure(.init("unknown match key \(SilenceFile.shownText(name))"))
                }
                guard !values.isEmpty, values.count <= SilenceFile.maxValuesPerKey else {
                    return .failure(.init("match key \(key) needs 1 to \(SilenceFile.maxValuesPerKey) values"))
                }
                if let problem = values.lazy.compactMap({ EventMatch.validate($0, for: key) }).first {
                    return .failure(.init("match key \(key): \(problem.message)"))
                }
                conditions[key] = Set(values)
            }
            guard !conditions.isEmpty else { return .failure(.init("a silence needs at least one match key")) }
            // Years 0000 to 9999 only (a five-digit year reads but cannot be written back), and
            // whole seconds, as the file is written: what loads is what `add` and `expire` save.
            for (key, date) in [("starts_at", startsAt), ("ends_at", endsAt), ("created_at", createdAt)]
            where !StateBounds.isInRange(date) {
                return .failure(.init(StateBounds.dateOutOfRange(key)))
            }
            let (starts, ends, created) = (Self.wholeSeconds(startsAt), Self.wholeSeconds(endsAt), Self.wholeSeconds(createdAt))
            guard starts <= ends else { return .failure(.init("ends_at must not be before starts_at")) }
            return .success(Silence(
                id: id, match: EventMatch(conditions), startsAt: starts, endsAt: ends, reason: reason, createdAt: created))
        }

        private static func wholeSeconds(_ date: Date) -> Date {
            Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        }
    }

    /// A name from the file for a message: short, printable ASCII only.
    public static func shownText(_ text: String) -> String {
        let printable = text.unicodeScalars.prefix(40).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" }
        return "\"\(String(printable))\""
    }
}

/// What is wrong with a silences file, in words for the log and the command line.
public struct SilenceFileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
