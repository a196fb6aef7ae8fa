import SimWatchCore
import Yams

/// Reads a `match:` mapping (webhooks, maintenance windows) into an `EventMatch`, every
/// problem reported at its key or value.
enum ConfigMatch {
    /// `{ label.site: berlin, kind: [status_changed, imei_changed] }`; `nil` after an error.
    package static func read(_ node: Node, _ path: KeyPath, _ diagnostics: ConfigDiagnostics) -> EventMatch? {
        guard case .mapping(let mapping) = node else {
            diagnostics.error(
                "expected a mapping of match keys, e.g. { label.site: berlin }; got \(node.shortDescription)", at: node.mark, path)
            return nil
        }
        var conditions: [EventMatch.Key: Set<String>] = [:]
        var valid = true
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode, !keyNode.isNull else {
                diagnostics.error("expected a match key; got \(keyNode.shortDescription)", at: keyNode.mark, path)
                valid = false
                continue
            }
            let keyPath = path.key(keyScalar.string)
            let key: EventMatch.Key
            switch EventMatch.Key.parse(keyScalar.string) {
            case .success(let parsed): key = parsed
            case .failure(let problem):
                var message = problem.message
                if let suggestion = closestKey(to: keyScalar.string, in: EventMatch.Key.names) {
                    message += "; did you mean \"\(suggestion)\"?"
                }
                diagnostics.error(message, at: keyNode.mark, keyPath)
                valid = false
                continue
            }
            guard let values = readValues(valueNode, key, keyPath, diagnostics) else {
                valid = false
                continue
            }
            conditions[key] = values
        }
        return valid ? EventMatch(conditions) : nil
    }

    /// One string or a list of them; each checked for its key.
    private static func readValues(
        _ node: Node, _ key: EventMatch.Key, _ path: KeyPath, _ diagnostics: ConfigDiagnostics
    ) -> Set<String>? {
        let items: [(Node, KeyPath)]
        switch node {
        case .sequence(let sequence):
            guard !sequence.isEmpty else {
                diagnostics.error("lists no value: leave the key out to match any", at: node.mark, path)
                return nil
            }
            items = sequence.enumerated().map { ($1, path.index($0)) }
        default:
            items = [(node, path)]
        }
        var values: Set<String> = []
        var valid = true
        for (item, itemPath) in items {
            let value = MappingReader.scalar(item, itemPath, expected: "a string or a list of strings", diagnostics) {
                (text) throws(ValueProblem) -> String in
                if let problem = EventMatch.validate(text, for: key) {
                    throw ValueProblem("\(problem.message); got \(ConfigText.quoted(text))")
                }
                return text
            }
            if let value { values.insert(value) } else { valid = false }
        }
        return valid ? values : nil
    }
}
