/// One problem in a configuration, with the place it was found.
///
/// Printed as `FILE:LINE:COLUMN: key.path: message` (1-based), the way compilers do,
/// so that editors and people can jump to it.
public struct ConfigIssue: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The file as given (the configuration, or a `devices_file`).
    public var file: String
    /// 1-based; 0 when the problem concerns the whole file.
    public var line: Int
    /// 1-based; 0 when the problem concerns the whole file or line.
    public var column: Int
    /// `webhooks[0].url`; empty for problems of the file itself.
    public var keyPath: String
    /// What is wrong and what is expected. Never contains a secret.
    public var message: String

    public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        ConfigPosition.render(file: file, line: line, column: column, keyPath: keyPath, message: message)
    }
}

/// Something legal but probably not what the operator meant; `check` prints these.
///
/// The same place and message as an issue, printed with `warning:` before the key path.
public struct ConfigWarning: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Where and what, exactly as for an error.
    public var issue: ConfigIssue
    public var file: String { issue.file }
    public var line: Int { issue.line }
    public var column: Int { issue.column }
    public var keyPath: String { issue.keyPath }
    public var message: String { issue.message }

    public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
        issue = ConfigIssue(file: file, line: line, column: column, keyPath: keyPath, message: message)
    }

    public var description: String {
        ConfigPosition.render(file: file, line: line, column: column, keyPath: keyPath, message: message, label: "warning: ")
    }
}

/// Something worth knowing about a valid setting, e.g. a rate above Control Center's usual
/// limit; `check` prints these, the daemon does not.
public struct ConfigNote: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Where and what, exactly as for an error.
    public var issue: ConfigIssue

    public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
        issue = ConfigIssue(file: file, line: line, column: column, keyPath: keyPath, message: message)
    }

    public var description: String {
        ConfigPosition.render(
            file: issue.file, line: issue.line, column: issue.column, keyPath: issue.keyPath, message: issue.message,
            label: "note: ")
    }
}

/// Every problem found in a configuration; loading reports them all at once.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// In the order they were found: file order, mostly.
    public var issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }

    /// One issue per line.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}

/// A configuration that passed validation, with the warnings found on the way.
public struct LoadedConfig: Sendable {
    public var config: Config
    public var warnings: [ConfigWarning]
    /// For `check` only.
    public var notes: [ConfigNote]

    public init(config: Config, warnings: [ConfigWarning], notes: [ConfigNote] = []) {
        self.config = config
        self.warnings = warnings
        self.notes = notes
    }
}

enum ConfigPosition {
    /// `FILE:LINE:COLUMN: label key.path: message`, leaving out what is unknown.
    package static func render(file: String, line: Int, column: Int, keyPath: String, message: String, label: String = "") -> String {
        var text = file
        if line > 0 {
            text += ":\(line)"
            if column > 0 { text += ":\(column)" }
        }
        text += ": " + label
        if !keyPath.isEmpty { text += keyPath + ": " }
        return text + message
    }
}
