import Foundation
import Logging
import SimWatchConfig

/// A swift-log handler that writes each log call as one logfmt or JSON line.
///
/// ```
/// ts=2026-11-27T10:00:00.123Z level=warning msg="status changed" kind=status_changed iccid=8988216716970004975 device=truck-17 previous=ACTIVATED current=DEACTIVATED
/// {"ts":"2026-11-27T10:00:00.123Z","level":"warning","msg":"status changed","kind":"status_changed"}
/// ```
///
/// - Fields: `ts` (UTC, milliseconds), `level`, `msg`, `logger` (only with `includeLabel`), then
///   metadata. Metadata is the handler's, then the metadata provider's, then the call's; a later
///   source wins on equal keys. The log event's `error`, if any, is added as `error` unless the
///   metadata already has that key.
/// - Metadata order: `kind, severity, iccid, device, previous, current, metric, value, threshold`
///   first, in that order, then every other key sorted, so lines of one kind line up.
///   Metadata named `ts`, `level`, `msg` or `logger` is written as `_ts` and so on.
/// - logfmt: a value is quoted when it is empty or holds a space, `=`, `"` or a control
///   character; inside quotes `"` and `\` are escaped, newlines become `\n`. Nested dictionaries
///   flatten to dotted keys (`labels.site=berlin`); arrays become one comma-separated value.
/// - JSON: one object per line; nested metadata stays nested, and numbers and booleans passed
///   as values (`"\(count)"` is a string, `.stringConvertible(count)` a number) stay typed.
/// - Journal mode (stderr is systemd's journal stream): no `ts`, since journald stamps each
///   line, and a `<N>` syslog priority prefix so journald records the level.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// This logger's level; until set, the shared `LogLevelSwitch`'s, so a reload can change it.
    public var logLevel: Logger.Level {
        get { ownLevel ?? levelSwitch.level }
        set { ownLevel = newValue }
    }

    private var ownLevel: Logger.Level?
    private let levelSwitch: LogLevelSwitch
    private let label: String
    private let format: LogSettings.Format
    private let journal: Bool
    private let includeLabel: Bool
    private let clock: @Sendable () -> Date
    private let write: @Sendable (String) -> Void

    /// A handler writing through `write`, which receives each line with its trailing newline.
    public init(
        label: String,
        format: LogSettings.Format = .logfmt,
        level: LogLevelSwitch = LogLevelSwitch(.info),
        journal: Bool = false,
        includeLabel: Bool = false,
        metadataProvider: Logger.MetadataProvider? = nil,
        clock: @escaping @Sendable () -> Date = { Date() },
        write: @escaping @Sendable (String) -> Void
    ) {
        self.label = label
        self.format = format
        self.levelSwitch = level
        self.journal = journal
        self.includeLabel = includeLabel
        self.metadataProvider = metadataProvider
        self.clock = clock
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var callMetadata = event.metadata ?? [:]
        if let error = event.error, callMetadata["error"] == nil, metadata["error"] == nil {
            callMetadata["error"] = .string(String(describing: error))
        }
        let record = LogRecord(
            timestamp: journal ? nil : clock(),
            level: event.level,
            message: event.message.description,
            label: includeLabel ? label : nil,
            fields: LogLineFormatter.orderedFields(metadata, metadataProvider?.get(), callMetadata)
        )
        switch format {
        case .logfmt: write(LogLineFormatter.logfmt(record, journal: journal))
        case .json: write(LogLineFormatter.json(record, journal: journal))
        }
    }
}

/// A log level shared by every handler made from it, so a configuration reload can change
/// `log.level` for loggers that already exist.
public final class LogLevelSwitch: Sendable {
    private let lock = NSLock()
    nonisolated(unsafe) private var current: Logger.Level

    public init(_ level: Logger.Level) {
        current = level
    }

    /// The level handlers use unless a logger set its own.
    public var level: Logger.Level {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }
}

/// Builds the process's log handlers; the executable passes `makeHandler` to `LoggingSystem.bootstrap`.
///
/// ```swift
/// let level = LogLevelSwitch(config.log.level)
/// LoggingSystem.bootstrap { label in
///     LogSetup.makeHandler(label: label, format: config.log.format, level: level)
/// }
/// // on reload: level.level = newConfig.log.level
/// ```
public enum LogSetup {
    /// A handler writing to `output` (stderr), in journal mode when `output` is the stream
    /// `JOURNAL_STREAM` in `environment` names.
    public static func makeHandler(
        label: String,
        format: LogSettings.Format = .logfmt,
        level: LogLevelSwitch,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        includeLabel: Bool = false,
        metadataProvider: Logger.MetadataProvider? = nil,
        output: LineOutput = .standardError
    ) -> LineLogHandler {
        LineLogHandler(
            label: label,
            format: format,
            level: level,
            journal: output.isJournalStream(environment: environment),
            includeLabel: includeLabel,
            metadataProvider: metadataProvider,
            write: output.write
        )
    }

    /// A stderr handler with its own level, for tools that never reload.
    public static func makeHandler(
        label: String,
        format: LogSettings.Format = .logfmt,
        level: Logger.Level = .info,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> LineLogHandler {
        makeHandler(label: label, format: format, level: LogLevelSwitch(level), environment: environment)
    }
}
