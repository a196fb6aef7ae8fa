import Yams

/// A key path as configuration errors print it: `webhooks[0].url`, `plans."hphlr rp1".data`.
struct KeyPath: CustomStringConvertible {
    package private(set) var text: String
    /// The innermost key name (`url` in `webhooks[0].url`), to know whether its value is secret.
    private(set) var lastKey: String?

    package static let root = KeyPath(text: "")

    package func key(_ name: String) -> KeyPath {
        let isPlain = !name.isEmpty && name.count <= 60
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        // A name is shown like a value: a URL or token pasted as a key is not repeated.
        let component = ConfigText.mayBeSecret(name) ? "<not shown>" : isPlain ? name : ConfigText.quoted(name)
        return KeyPath(text: text.isEmpty ? component : text + "." + component, lastKey: name)
    }

    package func index(_ index: Int) -> KeyPath {
        KeyPath(text: text + "[\(index)]", lastKey: lastKey)
    }

    package var description: String { text }
}

/// Collects problems while a configuration is walked, so that one run reports all of them.
///
/// Only ever used on one thread during one load; a class so that every reader shares it.
final class ConfigDiagnostics {
    /// The configuration file as given, for positions.
    package let file: String
    package private(set) var issues: [ConfigIssue] = []
    package private(set) var warnings: [ConfigWarning] = []
    package private(set) var notes: [ConfigNote] = []

    package init(file: String) {
        self.file = file
    }

    package func error(_ message: String, at mark: Mark?, _ path: KeyPath, file: String? = nil) {
        issues.append(ConfigIssue(
            file: file ?? self.file, line: mark?.line ?? 0, column: mark?.column ?? 0,
            keyPath: path.text, message: message))
    }

    /// For positions outside YAML, such as a line of a devices file.
    package func error(_ message: String, line: Int, column: Int, _ path: KeyPath, file: String) {
        issues.append(ConfigIssue(file: file, line: line, column: column, keyPath: path.text, message: message))
    }

    package func warning(_ message: String, at mark: Mark?, _ path: KeyPath) {
        warnings.append(ConfigWarning(
            file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, keyPath: path.text, message: message))
    }

    package func note(_ message: String, at mark: Mark?, _ path: KeyPath) {
        notes.append(ConfigNote(
            file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, keyPath: path.text, message: message))
    }

    /// `file:line:column` of a mark, for messages that point at a second place.
    func place(_ mark: Mark?) -> String {
        guard let mark else { return file }
        return "\(file):\(mark.line):\(mark.column)"
    }
}

extension Node {
    /// A plain `~`, `null` or empty value: YAML's way of saying nothing.
    var isNull: Bool {
        null != nil
    }

    /// How a value is named in "expected …; got …" messages.
    ///
    /// A scalar is quoted by `ConfigText.quoted`: one that may be a secret is not shown.
    var shortDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull { return "nothing" }
            return ConfigText.quoted(scalar.string)
        }
    }
}

/// The closest of `candidates` to a mistyped key, if one is close enough to be a typo.
func closestKey(to key: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(key.lowercased(), $0)) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    let tolerance = max(2, best.0.count / 3)
    return best.1 <= tolerance ? best.0 : nil
}

/// Levenshtein distance, counting a swap of two neighbours as one edit.
func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let a = Array(lhs), b = Array(rhs)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previousPrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = min(current[j], previousPrevious[j - 2] + 1)
            }
        }
        (previousPrevious, previous, current) = (previous, current, previousPrevious)
    }
    return previous[b.count]
}
