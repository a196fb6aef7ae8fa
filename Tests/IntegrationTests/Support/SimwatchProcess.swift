import Foundation
import Synchronization
import Testing

/// The real `simwatch` binary, run as a child process with its output in files.
final class SimwatchProcess: Sendable {
    let process: Process
    let stdoutPath: String
    let stderrPath: String
    private let exit = Mutex<Int32?>(nil)
    private let waiters = Mutex<[CheckedContinuation<Int32, Never>]>([])

    /// The binary next to the test bundle (both are products of the same build).
    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("simwatch")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/simwatch")
    }

    /// Starts `simwatch arguments…` in `folder`, with `environment` added to a minimal one;
    /// standard output goes to a file that `stdout` reads, or to `standardOutput`.
    init(_ arguments: [String], in folder: String, environment: [String: String] = [:], standardOutput: FileHandle? = nil) throws {
        process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var env = ["PATH": "/usr/bin:/bin", "HOME": folder]
        env.merge(environment) { $1 }
        process.environment = env
        let stamp = UUID().uuidString.prefix(8)
        stdoutPath = "\(folder)/stdout-\(stamp).txt"
        stderrPath = "\(folder)/stderr-\(stamp).txt"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardOutput = try standardOutput ?? FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { [weak self] process in self?.finished(process.terminationStatus) }
        try process.run()
    }

    /// Runs to completion and returns (exit status, stdout, stderr).
    static func run(_ arguments: [String], in folder: String, environment: [String: String] = [:],
                    timeout: Duration = .seconds(60)) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try SimwatchProcess(arguments, in: folder, environment: environment)
        let status = try #require(await child.waitForExit(timeout: timeout), "simwatch \(arguments) did not exit within \(timeout)")
        return (status, child.stdout, child.stderr)
    }

    private func finished(_ status: Int32) {
        exit.withLock { $0 = status }
        for waiter in waiters.withLock({ let all = $0; $0 = []; return all }) { waiter.resume(returning: status) }
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    var pid: Int32 { process.processIdentifier }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// The exit status, or `nil` if it is still running after `timeout` (then it is killed).
    func waitForExit(timeout: Duration) async -> Int32? {
        let result = await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let done = self.exit.withLock { $0 }
                    if let done { continuation.resume(returning: done); return }
                    self.waiters.withLock { $0.append(continuation) }
                    // The handler may have run between the two locks.
                    if let done = self.exit.withLock({ $0 }),
                       let waiter = self.waiters.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                        waiter.resume(returning: done)
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if result == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = await waitForExitAfterKill()
        }
        return result
    }

    private func waitForExitAfterKill() async -> Int32 {
        await withCheckedContinuation { continuation in
            if let done = exit.withLock({ $0 }) { continuation.resume(returning: done); return }
            waiters.withLock { $0.append(continuation) }
        }
    }

    /// Waits until `condition` holds on stderr, polling; false on timeout.
    func waitForLog(timeout: Duration = eventuallyTimeout, _ condition: (String) -> Bool) async -> Bool {
        await eventually(timeout: timeout) { condition(self.stderr) }
    }
}

/// How long a wait for something that must happen allows by default: long, since it
/// returns as soon as the condition holds. The daemon under test is answered by this
/// process's simulator and sink, and at the start of a run the synchronous CPU-heavy unit
/// tests can hold both threads of a 2-core CI machine's pool for 20 s and more (a first
/// cycle once took longer than the 20 s this used to be).
let eventuallyTimeout: Duration = .seconds(60)

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = eventuallyTimeout, _ condition: () async -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return await condition()
}

/// A temporary folder removed at the end of a test.
final class TempFolder: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("simwatch-it-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(path)/\(name)"))
    }

    func read(_ name: String) -> String? {
        try? String(contentsOfFile: "\(path)/\(name)", encoding: .utf8)
    }

    func files() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
