import Foundation
import Testing
@testable import SimWatchDaemon

/// Prometheus's own linter on what `/metrics` serves, where it is installed.
enum Promtool {
    /// `promtool` on `PATH`, if any (Debian: the `prometheus` package).
    static let path: String? = {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return directories.map { "\($0)/promtool" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs `promtool check metrics` on `text`; returns its exit status and output.
    static func checkMetrics(_ text: [UInt8], promtool: String) async throws -> (status: Int32, output: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simwatch-promtool-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("metrics.txt")
        let output = folder.appendingPathComponent("output.txt")
        try Data(text).write(to: input)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        process.standardInput = try FileHandle(forReadingFrom: input)
        let outputHandle = try FileHandle(forWritingTo: output)
        process.standardOutput = outputHandle
        process.standardError = outputHandle
        // Waits for the exit without blocking a thread of the concurrency pool.
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try outputHandle.close()
        return (status, try String(contentsOf: output, encoding: .utf8))
    }
}

@Suite struct MetricsPromtoolTests {
    @Test(.enabled(if: Promtool.path != nil,
                   "promtool is not on PATH, so /metrics is not linted (Debian: apt-get install prometheus)"))
    func promtoolAcceptsTheExposition() async throws {
        let promtool = try #require(Promtool.path)
        let metrics = SimwatchMetrics()
        metrics.setWebhooks(["ops-chat"])
        metrics.recordPoll(result: .ok, duration: .milliseconds(120))
        metrics.recordCycle(succeeded: true, duration: .seconds(2), devices: 3)
        metrics.recordEvents([metricsTestEvent(.statusChanged)])
        metrics.recordDelivery(webhook: "ops-chat", result: .delivered, events: 1)
        metrics.recordStateSave(duration: .milliseconds(5), succeeded: true)
        metrics.setOutboxSize(0)
        let result = try await Promtool.checkMetrics(metrics.exposition(), promtool: promtool)
        #expect(result.status == 0, "promtool check metrics: \(result.output)")
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(result.output)")
    }

    @Test(.enabled(if: Promtool.path != nil, "promtool is not on PATH"))
    func promtoolRejectsBrokenText() async throws {
        // Proves the check above can fail: a counter without _total and without HELP.
        let promtool = try #require(Promtool.path)
        let broken = "# TYPE simwatch_polls counter\nsimwatch_polls 1\n"
        let result = try await Promtool.checkMetrics(Array(broken.utf8), promtool: promtool)
        #expect(result.status != 0)
        #expect(result.output.contains("_total"), "\(result.output)")
    }
}
