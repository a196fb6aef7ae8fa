import Foundation
import SimWatchCore

/// How configuration messages quote what the file says, without ever showing a secret.
///
/// DESIGN.md: an error "never quotes a value that may be a secret (URLs, keys)". Values of
/// secret keys are never shown; any other value is shown unless it looks like a URL or a
/// token, since a secret pasted under the wrong key is still a secret.
enum ConfigText {
    /// Stands in for a value that is not shown.
    static let hidden = "a value not shown here (it may be a secret)"

    /// `"text"`, shortened to 60 characters, or `hidden` when it may be a secret.
    package static func quoted(_ text: String) -> String {
        if mayBeSecret(text) { return hidden }
        return "\"\(text.count > 60 ? String(text.prefix(60)) + "…" : text)\""
    }

    /// `quoted` without the quotes, for numbers: `got 0`, `got -2.5`.
    package static func plain(_ text: String) -> String {
        if mayBeSecret(text) { return hidden }
        return text.count > 60 ? String(text.prefix(60)) + "…" : text
    }

    /// A bound as people write it: `0.001`, `100000`.
    package static func number(_ value: Double) -> String {
        guard value.isFinite, value == value.rounded(), abs(value) < 1e15 else { return "\(value)" }
        return String(Int64(value))
    }

    /// A duration in the configuration's own syntax, e.g. `7d`, `1h30m`, `100ms`, for bounds.
    package static func duration(_ value: Duration) -> String {
        // Bounds are whole milliseconds well inside Int64; anything else is shown as people read it.
        guard value >= .zero, value < .seconds(1 << 40) else { return HumanFormat.duration(value) }
        var rest = value.wholeMilliseconds
        if rest == 0 { return "0s" }
        var text = ""
        for (suffix, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] where rest >= size {
            text += "\(rest / size)\(suffix)"
            rest %= size
        }
        return text
    }

    /// Whether text looks like a URL or an API token rather than a word, name, path or number.
    ///
    /// Tokens have a long run (16 or more) mixing letters and digits between separators, as
    /// Slack, Telegram and PagerDuty keys do, or are UUIDs (Opsgenie and many API keys).
    /// Plan names such as `IoT_Europe_Pool_1GB_2024`, ICCIDs (digits only), paths and durations
    /// stay visible, so most messages can still say what they got.
    static func mayBeSecret(_ text: String) -> Bool {
        if text.contains("://") { return true }
        guard text.count >= 16, !text.contains(where: { $0.isWhitespace || $0 == "/" }) else { return false }
        let runs = text.split(whereSeparator: { "-_.:".contains($0) })
        // A number with a unit (`99999999999999999d`, `1000000000000000000GiB`) is a value too large, not a token.
        let numberWithUnit = text.drop { $0.isASCII && $0.isNumber }.count <= 3 && text.last?.isLetter == true
        if !numberWithUnit, runs.contains(where: { $0.count >= 16 && $0.contains(where: \.isLetter) && $0.contains(where: \.isNumber) }) {
            return true
        }
        let hex = text.filter { $0 != "-" }
        return text.contains("-") && hex.count == 32 && hex.allSatisfy(\.isHexDigit)
    }

    /// Whether values under this key are secrets by name: `url`, `api_key`, `routing_key`,
    /// `*token*`, `password*`, `secret*`.
    ///
    /// `*_file` and `*_env` keys hold a path or a variable name, which messages do name.
    static func isSecretKey(_ name: String) -> Bool {
        let key = name.lowercased()
        if key.hasSuffix("_file") || key.hasSuffix("_env") { return false }
        return key == "url" || (key.hasSuffix("_url") && key != "base_url") || key.hasSuffix("key")
            || key.contains("token") || key.contains("password") || key.contains("secret")
    }

    /// `message` without `value`, for a value that must not be shown (by key or by look).
    package static func scrub(_ message: String, value: String, key: String?) -> String {
        // Shorter values are no secret, and replacing them would garble the message.
        guard value.count >= 4, key.map(isSecretKey) == true || mayBeSecret(value) else { return message }
        var result = message
        for form in ["\"\(value)\"", value, String(value.prefix(60))] where !form.isEmpty {
            result = result.replacingOccurrences(of: form, with: form.hasPrefix("\"") ? hidden : "<not shown>")
        }
        return result
    }
}
