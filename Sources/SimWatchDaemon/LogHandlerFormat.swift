import Foundation
import Logging
import SimWatchCore

/// One log call, ready to be written as a single line.
///
/// `fields` are already merged and ordered; the formatter only renders them.
struct LogRecord {
    package var timestamp: Date?
    package var level: Logger.Level
    package var message: String
    package var label: String?
    package var fields: [(key: String, value: Logger.MetadataValue)]
}

/// Renders a `LogRecord` as one logfmt or JSON line, always ending in exactly one newline.
///
/// Every byte that could break a line (newline, carriage return, other control characters)
/// is escaped, so one log call is always one line for `grep`, `journalctl` and `jq`.
enum LogLineFormatter {
    /// Keys the event lines carry, in the order an operator scans them; other keys follow sorted.
    static let preferredKeyOrder = [
        "kind", "severity", "iccid", "device", "previous", "current", "metric", "value", "threshold",
    ]

    /// Names the line itself uses; metadata with these names is renamed with a leading `_`.
    static let reservedKeys: Set<String> = ["ts", "level", "msg", "logger"]

    /// Merges metadata sources (later ones win) and orders the keys as documented on `LineLogHandler`.
    static func orderedFields(_ sources: Logger.Metadata?...) -> [(key: String, value: Logger.MetadataValue)] {
        var merged = Logger.Metadata()
        for source in sources {
            guard let source else { continue }
            merged.merge(source) { _, new in new }
        }
        let rank = Dictionary(uniqueKeysWithValues: preferredKeyOrder.enumerated().map { ($1, $0) })
        let keys = merged.keys.sorted { left, right in
            switch (rank[left], rank[right]) {
            case let (l?, r?): l < r
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): left < right
            }
        }
        return keys.map { key in
            (reservedKeys.contains(key) ? "_" + key : key, merged[key]!)
        }
    }

    // MARK: logfmt

    package static func logfmt(_ record: LogRecord, journal: Bool) -> String {
        var line = journal ? syslogPrefix(record.level) : ""
        var pairs: [String] = []
        if !journal, let timestamp = record.timestamp {
            pairs.append("ts=" + iso8601Milliseconds(timestamp))
        }
        pairs.append("level=" + record.level.rawValue)
        pairs.append("msg=" + logfmtValue(record.message))
        if let label = record.label {
            pairs.append("logger=" + logfmtValue(label))
        }
        for (key, value) in record.fields {
            appendLogfmt(key: logfmtKey(key), value: value, to: &pairs)
        }
        line += pairs.joined(separator: " ")
        line += "\n"
        return line
    }

    /// Dictionaries flatten to dotted keys (`labels.site=berlin`), so each leaf stays grep-able;
    /// arrays become one comma-separated value.
    private static func appendLogfmt(key: String, value: Logger.MetadataValue, to pairs: inout [String]) {
        switch value {
        case .dictionary(let dictionary):
            if dictionary.isEmpty {
                pairs.append(key + "=" + logfmtValue(""))
            }
            for subKey in dictionary.keys.sorted() {
                appendLogfmt(key: key + "." + logfmtKey(subKey), value: dictionary[subKey]!, to: &pairs)
            }
        default:
            pairs.append(key + "=" + logfmtValue(plainText(value)))
        }
    }

    /// Text of a value for logfmt: scalars as themselves, arrays comma-joined, nested dictionaries as `{k=v,...}`.
    static func plainText(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let array): array.map(plainText).joined(separator: ",")
        case .dictionary(let dictionary):
            "{" + dictionary.keys.sorted().map { "\($0)=\(plainText(dictionary[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// Keys never need quoting: characters a logfmt parser would stop at become `_`.
    static func logfmtKey(_ key: String) -> String {
        if key.isEmpty { return "_" }
        var result = ""
        for scalar in key.unicodeScalars {
            let breaksKey = scalar.value <= 0x20 || scalar == "=" || scalar == "\"" || isControl(scalar)
            result.unicodeScalars.append(breaksKey ? "_" : scalar)
        }
        return result
    }

    /// Quotes a value when it is empty or holds a space, `=`, `"` or a control character.
    static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { scalar in
            scalar.value <= 0x20 || scalar == "=" || scalar == "\"" || isControl(scalar)
        }
        guard needsQuotes else { return value }
        return quoted(value, escaping: isControl)
    }

    // MARK: JSON

    package static func json(_ record: LogRecord, journal: Bool) -> String {
        var members: [String] = []
        if !journal, let timestamp = record.timestamp {
            members.append(#""ts":"# + jsonString(iso8601Milliseconds(timestamp)))
        }
        members.append(#""level":"# + jsonString(record.level.rawValue))
        members.append(#""msg":"# + jsonString(record.message))
        if let label = record.label {
            members.append(#""logger":"# + jsonString(label))
        }
        for (key, value) in record.fields {
            members.append(jsonString(key) + ":" + jsonValue(value))
        }
        return (journal ? syslogPrefix(record.level) : "") + "{" + members.joined(separator: ",") + "}\n"
    }

    /// Nested metadata stays nested; integers, finite floating-point numbers and booleans
    /// passed as values (not strings) become JSON numbers and booleans, so `jq` can compare them.
    static func jsonValue(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string):
            return jsonString(string)
        case .stringConvertible(let convertible):
            switch convertible {
            case let bool as Bool: return bool ? "true" : "false"
            case let integer as any BinaryInteger: return String(describing: integer)
            case let double as Double where double.isFinite: return String(describing: double)
            case let float as Float where float.isFinite: return String(describing: float)
            default: return jsonString(convertible.description)
            }
        case .array(let array):
            return "[" + array.map(jsonValue).joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            let members = dictionary.keys.sorted().map { jsonString($0) + ":" + jsonValue(dictionary[$0]!) }
            return "{" + members.joined(separator: ",") + "}"
        }
    }

    static func jsonString(_ value: String) -> String {
        // U+2028/U+2029 are valid JSON but split lines in some viewers; escape them too.
        quoted(value) { $0.value < 0x20 || $0.value == 0x7F || $0.value == 0x2028 || $0.value == 0x2029 }
    }

    /// `value` in double quotes, JSON-escaped, with any scalar `needsEscape` picks written
    /// as `\uXXXX`: the quoting logfmt and JSON share (`JSONByteWriter.quoted`).
    package static func quoted(_ value: String, escaping needsEscape: (Unicode.Scalar) -> Bool) -> String {
        JSONByteWriter.quoted(value, alsoEscaping: needsEscape)
    }

    // MARK: shared pieces

    /// The `<N>` prefix journald reads as the line's priority (sd-daemon.h levels).
    static func syslogPrefix(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "<7>"
        case .info: "<6>"
        case .notice: "<5>"
        case .warning: "<4>"
        case .error: "<3>"
        case .critical: "<2>"
        }
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar.value == 0x2028 || scalar.value == 0x2029
    }


    /// `2026-11-27T10:00:00.123Z` (`Timestamp.rfc3339Milliseconds`): cheap, locale-free and
    /// safe from any thread.
    static func iso8601Milliseconds(_ date: Date) -> String {
        Timestamp.rfc3339Milliseconds(date)
    }
}
