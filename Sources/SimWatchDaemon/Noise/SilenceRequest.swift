import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor

/// What `simwatch silence add` asks for, checked before the file is touched.
public struct SilenceRequest: Sendable, Equatable {
    /// The longest silence: a forgotten one should not outlive a year.
    public static let maxLength: TimeInterval = 366 * 86_400

    public var match: EventMatch
    public var endsAt: Date
    public var reason: String

    /// Parses `--match KEY=VALUE` (repeated keys mean any of the values), `--for` or
    /// `--until` (exactly one) and `--reason`, relative to `now`.
    public static func parse(
        matches: [String], for duration: String?, until: String?, reason: String, now: Date
    ) -> Result<SilenceRequest, SilenceFileProblem> {
        guard !matches.isEmpty else { return .failure(.init("give at least one --match KEY=VALUE")) }
        var conditions: [EventMatch.Key: Set<String>] = [:]
        for text in matches {
            guard let equals = text.firstIndex(of: "=") else {
                return .failure(.init("--match \(SilenceFile.shownText(text)): expected KEY=VALUE, e.g. label.site=berlin"))
            }
            let name = String(text[..<equals]), value = String(text[text.index(after: equals)...])
            let key: EventMatch.Key
            switch EventMatch.Key.parse(name) {
            case .success(let parsed): key = parsed
            case .failure(let problem): return .failure(.init("--match \(SilenceFile.shownText(name)): \(problem.message)"))
            }
            if let problem = EventMatch.validate(value, for: key) {
                return .failure(.init("--match \(key)=\(SilenceFile.shownText(value)): \(problem.message)"))
            }
            conditions[key, default: []].insert(value)
            guard conditions[key, default: []].count <= SilenceFile.maxValuesPerKey else {
                return .failure(.init("--match \(key): at most \(SilenceFile.maxValuesPerKey) values"))
            }
        }
        guard conditions.count <= SilenceFile.maxKeys else { return .failure(.init("at most \(SilenceFile.maxKeys) match keys")) }
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= SilenceFile.maxReasonLength else {
            return .failure(.init("--reason needs 1 to \(SilenceFile.maxReasonLength) characters"))
        }
        let endsAt: Date
        switch (duration, until) {
        case (let text?, nil):
            guard let length = ConfigUnits.duration(text), length > .zero else {
                return .failure(.init("--for \(SilenceFile.shownText(text)): expected a duration like 30m, 2h or 1d"))
            }
            guard length.seconds <= maxLength else { return .failure(.init("--for: at most 366d")) }
            endsAt = now.addingTimeInterval(length.seconds)
        case (nil, let text?):
            guard let date = Array(text.utf8).withUnsafeBufferPointer({ Timestamp.parse($0) }) else {
                return .failure(.init("--until \(SilenceFile.shownText(text)): expected an RFC 3339 time like 2026-12-01T18:00:00Z"))
            }
            guard date > now else { return .failure(.init("--until: that time has passed")) }
            guard date.timeIntervalSince(now) <= maxLength else { return .failure(.init("--until: at most 366 days ahead")) }
            endsAt = date
        default:
            return .failure(.init("give either --for DURATION or --until TIME"))
        }
        return .success(SilenceRequest(match: EventMatch(conditions), endsAt: endsAt, reason: trimmed))
    }

    /// The silence, starting `now`, with an id not in `taken`.
    public func silence(now: Date, taken: Set<String>) -> Silence {
        Silence(id: Silence.newID(avoiding: taken), match: match, startsAt: now, endsAt: endsAt, reason: reason, createdAt: now)
    }
}

/// `simwatch silence add|list|expire` over the silences file.
public enum SilenceCommands {
    /// Adds a silence; returns it (the caller prints its id).
    public static func add(_ request: SilenceRequest, path: String, now: Date) throws(SilenceFileProblem) -> Silence {
        try SilenceStore(path: path).modify(now: now) { (silences) throws(SilenceFileProblem) -> Silence in
            guard silences.count < SilenceFile.maxSilences else {
                throw SilenceFileProblem("\(path) already holds \(SilenceFile.maxSilences) silences; expire some first")
            }
            let silence = request.silence(now: now, taken: Set(silences.map(\.id)))
            silences.append(silence)
            return silence
        }
    }

    /// Ends silence `id` now; an already expired one is left as it is. Returns it.
    public static func expire(id: String, path: String, now: Date) throws(SilenceFileProblem) -> Silence {
        guard Silence.isID(id) else { throw SilenceFileProblem("\(SilenceFile.shownText(id)) is not a silence id (8 hex digits)") }
        return try SilenceStore(path: path).modify(now: now) { (silences) throws(SilenceFileProblem) -> Silence in
            guard let index = silences.firstIndex(where: { $0.id == id.lowercased() }) else {
                throw SilenceFileProblem("no silence \(id) in \(path)")
            }
            if silences[index].endsAt > now { silences[index].endsAt = max(now, silences[index].startsAt) }
            return silences[index]
        }
    }
}
