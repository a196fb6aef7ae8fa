import Foundation
import Logging
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon

/// Lines a handler wrote, in order.
private final class CapturedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    func append(_ line: String) {
        lock.withLock { storage.append(line) }
    }

    var lines: [String] { lock.withLock { storage } }
}

/// 2026-11-27T10:00:00.123Z
private let fixedInstant = Date(timeIntervalSince1970: 1_795_773_600.123)

private func makeLogger(
    format: LogSettings.Format = .logfmt,
    level: LogLevelSwitch = LogLevelSwitch(.trace),
    journal: Bool = false,
    includeLabel: Bool = false,
    metadataProvider: Logger.MetadataProvider? = nil
) -> (Logger, CapturedLines) {
    let captured = CapturedLines()
    let handler = LineLogHandler(
        label: "simwatch.test", format: format, level: level, journal: journal, includeLabel: includeLabel,
        metadataProvider: metadataProvider, clock: { fixedInstant }, write: captured.append
    )
    return (Logger(label: "simwatch.test", factory: { _ in handler }), captured)
}

@Suite struct LogfmtLineTests {
    @Test func eventLineMatchesTheDocumentedShape() {
        let (logger, captured) = makeLogger()
        logger.warning("status changed", metadata: [
            "current": "DEACTIVATED", "previous": "ACTIVATED", "device": "truck-17",
            "iccid": "8988216716970004975", "kind": "status_changed",
        ])
        #expect(captured.lines == [
            "ts=2026-11-27T10:00:00.123Z level=warning msg=\"status changed\" kind=status_changed iccid=8988216716970004975 device=truck-17 previous=ACTIVATED current=DEACTIVATED\n",
        ])
    }

    @Test func preferredKeysComeFirstThenTheRestSorted() {
        let (logger, captured) = makeLogger()
        logger.info("x", metadata: [
            "zeta": "1", "threshold": "5", "alpha": "2", "value": "7", "metric": "data",
            "severity": "warning", "kind": "threshold_crossed", "beta": "3",
        ])
        #expect(captured.lines.first == "ts=2026-11-27T10:00:00.123Z level=info msg=x kind=threshold_crossed severity=warning metric=data value=7 threshold=5 alpha=2 beta=3 zeta=1\n")
    }

    @Test func callMetadataWinsOverProviderWhichWinsOverHandler() {
        let provider = Logger.MetadataProvider { ["cycle": "7", "device": "from-provider", "source": "provider"] }
        let (made, captured) = makeLogger(metadataProvider: provider)
        var logger = made
        logger[metadataKey: "device"] = "from-handler"
        logger[metadataKey: "cycle"] = "1"
        logger[metadataKey: "only_handler"] = "h"
        logger.info("merged", metadata: ["device": "from-call"])
        #expect(captured.lines.first == "ts=2026-11-27T10:00:00.123Z level=info msg=merged device=from-call cycle=7 only_handler=h source=provider\n")
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("", #""""#),
        ("two words", #""two words""#),
        ("a=b", #""a=b""#),
        (#"say "hi""#, #""say \"hi\"""#),
        (#"C:\dir"#, #"C:\dir"#),
        (#"back\slash and space"#, #""back\\slash and space""#),
        ("line1\nline2", #""line1\nline2""#),
        ("tab\there", #""tab\there""#),
        ("cr\rhere", #""cr\rhere""#),
        ("bell\u{07}", #""bell\u0007""#),
        ("del\u{7F}", #""del\u007f""#),
        ("ümlaut→ok", "ümlaut→ok"),
    ])
    func valuesAreQuotedAndEscapedOnlyWhenNeeded(raw: String, expected: String) {
        #expect(LogLineFormatter.logfmtValue(raw) == expected)
    }

    @Test func aMultiLineMessageStaysOnOneLine() {
        let (logger, captured) = makeLogger()
        logger.error("first\nsecond\r\nthird", metadata: ["detail": "a\nb"])
        let line = try! #require(captured.lines.first)
        #expect(line.filter { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }.count == 1)
        #expect(line.hasSuffix("msg=\"first\\nsecond\\r\\nthird\" detail=\"a\\nb\"\n"))
    }

    @Test func keysWithSeparatorsAreMadeSafe() {
        #expect(LogLineFormatter.logfmtKey("bad key=\"x\"") == "bad_key__x_")
        #expect(LogLineFormatter.logfmtKey("") == "_")
    }

    @Test func nestedMetadataFlattensToDottedKeysAndArraysJoin() {
        let (logger, captured) = makeLogger()
        logger.info("nested", metadata: [
            "labels": ["site": "berlin", "fleet": "north sea"],
            "kinds": ["status_changed", "threshold_crossed"],
            "empty": [:],
        ])
        #expect(captured.lines.first == "ts=2026-11-27T10:00:00.123Z level=info msg=nested empty=\"\" kinds=status_changed,threshold_crossed labels.fleet=\"north sea\" labels.site=berlin\n")
    }

    @Test func reservedNamesInMetadataDoNotShadowTheLineFields() {
        let (logger, captured) = makeLogger()
        logger.info("real", metadata: ["msg": "fake", "level": "fake", "ts": "fake"])
        #expect(captured.lines.first == "ts=2026-11-27T10:00:00.123Z level=info msg=real _level=fake _msg=fake _ts=fake\n")
    }

    @Test func labelIsOffByDefaultAndAvailableOnRequest() {
        let (quiet, quietLines) = makeLogger()
        quiet.info("hi")
        #expect(quietLines.lines.first == "ts=2026-11-27T10:00:00.123Z level=info msg=hi\n")
        let (labelled, labelledLines) = makeLogger(includeLabel: true)
        labelled.info("hi")
        #expect(labelledLines.lines.first == "ts=2026-11-27T10:00:00.123Z level=info msg=hi logger=simwatch.test\n")
    }

    @Test func anEventErrorIsWrittenAsErrorField() {
        struct Unreachable: Error, CustomStringConvertible { var description: String { "API unreachable" } }
        let captured = CapturedLines()
        let handler = LineLogHandler(label: "t", clock: { fixedInstant }, write: captured.append)
        handler.log(event: LogEvent(
            level: .error, message: "poll failed", error: Unreachable(), metadata: ["kind": "poll_failed"],
            source: nil, file: #fileID, function: #function, line: #line
        ))
        #expect(captured.lines.first == "ts=2026-11-27T10:00:00.123Z level=error msg=\"poll failed\" kind=poll_failed error=\"API unreachable\"\n")
    }

    @Test func secretsStayRedacted() {
        let (logger, captured) = makeLogger()
        logger.info("configured", metadata: ["api_key": "\(Secret("hunter2"))"])
        let line = try! #require(captured.lines.first)
        #expect(!line.contains("hunter2"))
        #expect(line.contains("api_key=<redacted>"))
    }
}

@Suite struct LogLevelTests {
    @Test(arguments: Logger.Level.allCases)
    func levelNamesAreTheSwiftLogNames(level: Logger.Level) {
        let (logger, captured) = makeLogger()
        logger.log(level: level, "m")
        #expect(captured.lines == ["ts=2026-11-27T10:00:00.123Z level=\(level.rawValue) msg=m\n"])
    }

    @Test func messagesBelowTheLevelAreDropped() {
        let (logger, captured) = makeLogger(level: LogLevelSwitch(.notice))
        logger.info("hidden")
        logger.notice("shown")
        logger.warning("shown too")
        #expect(captured.lines.count == 2)
        #expect(captured.lines.allSatisfy { !$0.contains("hidden") })
    }

    @Test func theSwitchChangesTheLevelOfExistingLoggers() {
        let level = LogLevelSwitch(.info)
        let (logger, captured) = makeLogger(level: level)
        logger.debug("before reload")
        level.level = .debug
        logger.debug("after reload")
        #expect(captured.lines.count == 1)
        #expect(captured.lines.first?.contains("after reload") == true)
    }

    @Test func aLoggersOwnLevelOverridesTheSwitch() {
        let level = LogLevelSwitch(.info)
        let (made, captured) = makeLogger(level: level)
        var logger = made
        logger.logLevel = .error
        level.level = .trace
        logger.warning("dropped")
        #expect(logger.logLevel == .error)
        #expect(captured.lines.isEmpty)
    }
}

@Suite struct JSONLineTests {
    @Test func jsonLineMatchesTheDocumentedShape() {
        let (logger, captured) = makeLogger(format: .json)
        logger.warning("status changed", metadata: ["kind": "status_changed", "iccid": "8988216716970004975"])
        #expect(captured.lines == [
            #"{"ts":"2026-11-27T10:00:00.123Z","level":"warning","msg":"status changed","kind":"status_changed","iccid":"8988216716970004975"}"# + "\n",
        ])
    }

    @Test func escapingProducesValidJSONOnOneLine() throws {
        let (logger, captured) = makeLogger(format: .json)
        let nasty = "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{07} sep \u{2028} ünï"
        logger.info("\(nasty)", metadata: ["detail": "\(nasty)"])
        let line = try #require(captured.lines.first)
        #expect(line.dropLast().allSatisfy { $0 != "\n" && $0 != "\r" && $0 != "\u{2028}" })
        let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == nasty)
        #expect(object["detail"] as? String == nasty)
    }

    @Test func nestedValuesStayNestedAndNumbersStayNumbers() throws {
        let (logger, captured) = makeLogger(format: .json)
        logger.info("typed", metadata: [
            "labels": ["site": "berlin"],
            "kinds": ["a", "b"],
            "value": .stringConvertible(812_300_000),
            "percent": .stringConvertible(85.2),
            "flag": .stringConvertible(true),
            "as_text": "42",
        ])
        let line = try #require(captured.lines.first)
        #expect(line == #"{"ts":"2026-11-27T10:00:00.123Z","level":"info","msg":"typed","value":812300000,"as_text":"42","flag":true,"kinds":["a","b"],"labels":{"site":"berlin"},"percent":85.2}"# + "\n")
        #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
    }
}

@Suite struct JournalModeTests {
    @Test(arguments: [
        (Logger.Level.trace, "<7>"), (.debug, "<7>"), (.info, "<6>"), (.notice, "<5>"),
        (.warning, "<4>"), (.error, "<3>"), (.critical, "<2>"),
    ])
    func linesCarryThePriorityAndNoTimestamp(level: Logger.Level, prefix: String) {
        let (logger, captured) = makeLogger(journal: true)
        logger.log(level: level, "hello", metadata: ["kind": "x"])
        #expect(captured.lines == ["\(prefix)level=\(level.rawValue) msg=hello kind=x\n"])
        let (jsonLogger, jsonCaptured) = makeLogger(format: .json, journal: true)
        jsonLogger.log(level: level, "hello")
        #expect(jsonCaptured.lines == [#"\#(prefix){"level":"\#(level.rawValue)","msg":"hello"}"# + "\n"])
    }

    @Test func theFactoryUsesJournalModeOnlyWhenJournalStreamNamesTheOutput() throws {
        let file = try TemporaryLogFile()
        defer { file.remove() }
        var info = stat()
        #expect(fstat(file.descriptor, &info) == 0)
        let matching = ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]
        let other = ["JOURNAL_STREAM": "\(info.st_dev):\(UInt64(info.st_ino) + 1)"]
        let output = LineOutput(fileDescriptor: file.descriptor)

        for environment in [matching, other, [:], ["JOURNAL_STREAM": "garbage"]] {
            let handler = LogSetup.makeHandler(
                label: "t", level: LogLevelSwitch(.info), environment: environment, output: output
            )
            Logger(label: "t", factory: { _ in handler }).warning("w")
        }
        let lines = try file.contents().split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines.first == "<4>level=warning msg=w")
        for line in lines.dropFirst() {
            #expect(line.hasPrefix("ts=20"))
            #expect(line.hasSuffix(" level=warning msg=w"))
        }
    }
}

@Suite struct LineOutputTests {
    @Test func concurrentWritersNeverInterleaveWithinALine() throws {
        let file = try TemporaryLogFile()
        defer { file.remove() }
        let output = LineOutput(fileDescriptor: file.descriptor)
        let writers = 8
        let linesPerWriter = 200
        let padding = String(repeating: "x", count: 300)
        DispatchQueue.concurrentPerform(iterations: writers) { writer in
            for index in 0..<linesPerWriter {
                output.write("writer=\(writer) line=\(index) \(padding) end\n")
            }
        }
        let lines = try file.contents().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == writers * linesPerWriter)
        let wellFormed = lines.filter { line in
            line.hasPrefix("writer=") && line.hasSuffix(" \(padding) end") && line.components(separatedBy: "writer=").count == 2
        }
        #expect(wellFormed.count == lines.count)
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1_795_773_600.123, "2026-11-27T10:00:00.123Z"),
        (1_709_251_199.999, "2024-02-29T23:59:59.999Z"),
        (951_782_400.5, "2000-02-29T00:00:00.500Z"),
        (-1.0, "1969-12-31T23:59:59.000Z"),
        (4_102_444_800.0, "2100-01-01T00:00:00.000Z"),
    ])
    func formatsUTCWithMilliseconds(seconds: Double, expected: String) {
        #expect(LogLineFormatter.iso8601Milliseconds(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test(arguments: [
        (1e300, "9999-12-31T23:59:59.999Z"), (-1e300, "0001-01-01T00:00:00.000Z"),
        (Double.infinity, "1970-01-01T00:00:00.000Z"), (Double.nan, "1970-01-01T00:00:00.000Z"),
        (-0.0, "1970-01-01T00:00:00.000Z"), (9_223_372_036_854_775.807, "9999-12-31T23:59:59.999Z"),
    ])
    func anAbsurdClockIsClampedNotATrap(seconds: Double, expected: String) {
        #expect(LogLineFormatter.iso8601Milliseconds(Date(timeIntervalSince1970: seconds)) == expected)
    }
}

/// A file in the temporary folder, open for appending, standing in for stderr.
private struct TemporaryLogFile {
    let path: String
    let descriptor: Int32

    init() throws {
        path = NSTemporaryDirectory() + "simwatch-log-\(UUID().uuidString).log"
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        if descriptor < 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    func contents() throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    func remove() {
        close(descriptor)
        unlink(path)
    }
}
