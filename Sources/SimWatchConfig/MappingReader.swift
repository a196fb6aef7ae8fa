import Yams

/// A problem with one value, reported at the value's position under its key.
struct ValueProblem: Error {
    package let message: String

    package init(_ message: String) {
        self.message = message
    }
}

/// Reads one YAML mapping of known keys, reporting every problem to the diagnostics.
///
/// Getters return `nil` when the key is absent (or `~`) or its value is wrong; in the
/// second case the problem has been reported, so callers only fall back to defaults.
struct MappingReader {
    let mark: Mark?
    package let path: KeyPath
    let diagnostics: ConfigDiagnostics
    private var entries: [String: (key: Node, value: Node)] = [:]
    /// Keys in file order, for sections whose keys are names (plans, labels).
    package private(set) var keys: [String] = []

    /// Checks `node` is a mapping whose keys are all in `known` (any key when `known` is nil).
    ///
    /// `relocations` maps keys that belong elsewhere to their full path, for hints.
    package init?(
        _ node: Node, _ path: KeyPath, known: [String]?, _ diagnostics: ConfigDiagnostics,
        expected: String = "a mapping", relocations: [String: String] = [:]
    ) {
        self.path = path
        self.diagnostics = diagnostics
        self.mark = node.mark
        guard case .mapping(let mapping) = node else {
            diagnostics.error("expected \(expected); got \(node.shortDescription)", at: node.mark, path)
            return nil
        }
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode, !keyNode.isNull else {
                diagnostics.error("expected a key name; got \(keyNode.shortDescription)", at: keyNode.mark, path)
                continue
            }
            let name = scalar.string
            if let known, !known.contains(name) {
                var message = ConfigText.mayBeSecret(name)
                    ? "unknown key (not shown: it may be a secret)" : "unknown key \(ConfigText.quoted(name))"
                if let suggestion = closestKey(to: name, in: known) ?? relocations[name] {
                    message += "; did you mean \"\(suggestion)\"?"
                } else {
                    message += "; expected one of \(known.joined(separator: ", "))"
                }
                diagnostics.error(message, at: keyNode.mark, path.key(name))
                continue
            }
            entries[name] = (keyNode, value)
            keys.append(name)
        }
    }

    /// Whether the key is present with a value other than `~`.
    package func has(_ key: String) -> Bool {
        value(key) != nil
    }

    /// The key's value, `nil` when absent or `~`.
    package func value(_ key: String) -> Node? {
        guard let entry = entries[key], !entry.value.isNull else { return nil }
        return entry.value
    }

    /// Where the key itself is written.
    func keyMark(_ key: String) -> Mark? {
        entries[key]?.key.mark
    }

    /// Where the key's value is written (the key for an empty value).
    func valueMark(_ key: String) -> Mark? {
        entries[key]?.value.mark ?? keyMark(key)
    }

    /// Reports a missing required key at this mapping.
    func reportMissing(_ key: String, _ hint: String = "") {
        let path = path.key(key)
        diagnostics.error("missing required key \"\(key)\"\(hint)", at: mark, path)
    }

    /// The key's value, reporting it missing when absent.
    package func required(_ key: String) -> Node? {
        if let value = value(key) { return value }
        if entries[key] != nil {
            diagnostics.error("\"\(key)\" needs a value", at: valueMark(key), path.key(key))
        } else {
            reportMissing(key)
        }
        return nil
    }

    /// A scalar value converted by `parse`; `parse` throws a `ValueProblem` naming what was expected.
    package func scalar<T>(
        _ key: String, required: Bool = false, expected: String,
        _ parse: (String) throws(ValueProblem) -> T
    ) -> T? {
        guard let node = required ? self.required(key) : value(key) else { return nil }
        return Self.scalar(node, path.key(key), expected: expected, diagnostics, parse)
    }

    /// A scalar node converted by `parse`, with problems reported at the node.
    package static func scalar<T>(
        _ node: Node, _ path: KeyPath, expected: String, _ diagnostics: ConfigDiagnostics,
        _ parse: (String) throws(ValueProblem) -> T
    ) -> T? {
        guard case .scalar(let scalar) = node else {
            diagnostics.error("expected \(expected); got \(node.shortDescription)", at: node.mark, path)
            return nil
        }
        do {
            return try parse(scalar.string)
        } catch {
            // Parsers quote what they got; under a secret key, or when it looks like one, it goes.
            diagnostics.error(ConfigText.scrub(error.message, value: scalar.string, key: path.lastKey), at: node.mark, path)
            return nil
        }
    }

    /// A string value as written (numbers and words alike), not empty.
    package func string(_ key: String, required: Bool = false) -> String? {
        scalar(key, required: required, expected: "a string") { (text) throws(ValueProblem) in
            guard !text.isEmpty else { throw ValueProblem("expected a non-empty string") }
            return text
        }
    }

    /// One of an enumeration's raw values.
    package func choice<T: RawRepresentable>(_ key: String, required: Bool = false, of allowed: [T]) -> T? where T.RawValue == String {
        scalar(key, required: required, expected: "a string") { (text) throws(ValueProblem) in
            try Self.choice(text, of: allowed)
        }
    }

    package static func choice<T: RawRepresentable>(_ text: String, of allowed: [T]) throws(ValueProblem) -> T where T.RawValue == String {
        if let value = allowed.first(where: { $0.rawValue == text }) { return value }
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        throw ValueProblem("expected one of \(names); got \(ConfigText.quoted(text))")
    }

    /// A duration such as `30s` within `range`; `allowZero: false` also refuses `0s`.
    package func duration(
        _ key: String, in range: ClosedRange<Duration> = .zero...Duration.seconds(Int64.max), allowZero: Bool = true
    ) -> Duration? {
        scalar(key, expected: "a duration like 30s") { (text) throws(ValueProblem) in
            try Self.duration(text, in: range, allowZero: allowZero)
        }
    }

    /// A duration within `range`; messages say whether it was malformed, too large or out of range.
    package static func duration(_ text: String, in range: ClosedRange<Duration>, allowZero: Bool) throws(ValueProblem) -> Duration {
        let value: Duration
        switch ConfigUnits.parseDuration(text) {
        case .value(let parsed): value = parsed
        case .tooLarge:
            throw ValueProblem("is too large: at most \(ConfigText.duration(range.upperBound)); got \(ConfigText.quoted(text))")
        case .invalid:
            let hint = text.contains(".") && text.first?.isNumber == true
                ? " (whole numbers only: 1h30m rather than 1.5h, 500ms rather than 0.5s)" : ""
            throw ValueProblem("expected a duration like 500ms, 30s, 5m, 2h or 1h30m\(hint); got \(ConfigText.quoted(text))")
        }
        if !allowZero && value <= .zero {
            throw ValueProblem("must be more than 0; got \(ConfigText.quoted(text))")
        }
        guard value >= range.lowerBound else {
            throw ValueProblem("must be at least \(ConfigText.duration(range.lowerBound)); got \(ConfigText.quoted(text))")
        }
        guard value <= range.upperBound else {
            throw ValueProblem("must be at most \(ConfigText.duration(range.upperBound)); got \(ConfigText.quoted(text))")
        }
        return value
    }

    /// A positive number such as `5` or `0.5`, at least `minimum` and at most `maximum`.
    ///
    /// Only plain decimals: YAML's `.inf`, `.nan`, `1e3` and `0x10` are not numbers here.
    func positiveNumber(_ key: String, minimum: Double = 0, maximum: Double) -> Double? {
        scalar(key, expected: "a number") { (text) throws(ValueProblem) in
            let unsigned = text.hasPrefix("-") ? String(text.dropFirst()) : text
            guard ConfigUnits.isDecimal(unsigned), let value = Double(text) else {
                throw ValueProblem("expected a number; got \(ConfigText.quoted(text))")
            }
            // `-0` and digits below Double's precision (0.000…1 → 0) land here too.
            guard value > 0 else { throw ValueProblem("must be more than 0; got \(ConfigText.plain(text))") }
            guard value >= minimum else {
                throw ValueProblem("must be at least \(ConfigText.number(minimum)); got \(ConfigText.plain(text))")
            }
            // Also catches digits beyond Double's range, which parse as infinity.
            guard value <= maximum else {
                throw ValueProblem("must be at most \(ConfigText.number(maximum)); got \(ConfigText.plain(text))")
            }
            return value
        }
    }

    /// A whole number within `range`.
    package func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        scalar(key, expected: "a whole number") { (text) throws(ValueProblem) in
            let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw ValueProblem("expected a whole number; got \(ConfigText.quoted(text))")
            }
            // Out of Int's range is out of any range we allow: say which end.
            let value = Int(text) ?? (text.hasPrefix("-") ? Int.min : Int.max)
            guard value >= range.lowerBound else {
                throw ValueProblem("must be at least \(range.lowerBound); got \(ConfigText.plain(text))")
            }
            guard value <= range.upperBound else {
                throw ValueProblem("must be at most \(range.upperBound); got \(ConfigText.plain(text))")
            }
            return value
        }
    }

    /// A list under the key; each element is handed to `element` with its path.
    package func list<T>(_ key: String, _ element: (Node, KeyPath) -> T?) -> [T]? {
        guard let node = value(key) else { return nil }
        guard case .sequence(let sequence) = node else {
            diagnostics.error("expected a list; got \(node.shortDescription)", at: node.mark, path.key(key))
            return nil
        }
        return sequence.enumerated().compactMap { index, item in element(item, path.key(key).index(index)) }
    }

    /// A nested mapping under the key.
    func mapping(_ key: String, known: [String]?, expected: String = "a mapping") -> MappingReader? {
        guard let node = value(key) else { return nil }
        return MappingReader(node, path.key(key), known: known, diagnostics, expected: expected)
    }
}
