import Foundation
import Testing

/// The hardened unit in `systemd/` as systemd's own tools judge it.
@Suite(.serialized, .enabled(if: SystemdAnalyze.isInstalled, "systemd-analyze is not installed: the unit file is not checked"))
struct SystemdUnitTests {
    @Test func exposureScoreIsAtMostOnePointFive() async throws {
        let score = try await SystemdAnalyze.exposure(of: Repository.root + "/systemd/simwatch.service")
        print("systemd-analyze security --offline=yes: simwatch.service exposure \(score) (0 = most restricted, 10 = none)")
        #expect(score <= 1.5, "systemd-analyze security rates the unit \(score); at most 1.5 is allowed")
    }

    @Test func installedUnitVerifiesWithoutWarnings() async throws {
        let root = try TempFolder()
        let install = try await StagedInstall.run(into: root.path)
        #expect(install.status == 0, "\(install.output)")
        try StagedInstall.addVerifyPrerequisites(to: root.path)
        let verify = try await SystemdAnalyze.verify(root: root.path)
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.isEmpty, "systemd-analyze verify reported:\n\(verify.output)")
    }

    /// Both checks above pass only if they can fail: a bare unit scores badly and a typo warns.
    @Test func checksNoticeAWeakOrBrokenUnit() async throws {
        let root = try TempFolder()
        _ = try await StagedInstall.run(into: root.path)
        try StagedInstall.addVerifyPrerequisites(to: root.path)
        let unitPath = root.path + "/etc/systemd/system/simwatch.service"
        let unit = try String(contentsOfFile: unitPath, encoding: .utf8)
        try Data(unit.replacingOccurrences(of: "UMask=0077", with: "UMask=0077\nProtectSystem=banana").utf8)
            .write(to: URL(fileURLWithPath: unitPath))
        let verify = try await SystemdAnalyze.verify(root: root.path)
        #expect(verify.output.contains("banana"), "verify did not flag the bad value: \(verify.output)")

        try root.write("bare.service", "[Service]\nExecStart=/bin/true\n")
        let score = try await SystemdAnalyze.exposure(of: root.path + "/bare.service")
        #expect(score > 1.5, "an unhardened unit should score above 1.5, got \(score)")
    }
}

/// `systemd-analyze`, run with a time limit.
enum SystemdAnalyze {
    static let path = "/usr/bin/systemd-analyze"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// The "Overall exposure level" `systemd-analyze security --offline=yes` gives `unitPath`.
    static func exposure(of unitPath: String) async throws -> Double {
        let result = try await Tool.run(path, ["security", "--offline=yes", "--no-pager", unitPath], limit: .seconds(60))
        let line = try #require(
            result.output.split(separator: "\n").first { $0.contains("Overall exposure level") },
            "no exposure level in the output of systemd-analyze security:\n\(result.output)")
        // "→ Overall exposure level for simwatch.service: 1.1 OK :-)" (the smiley varies)
        let match = try #require(line.firstMatch(of: #/exposure level for [^:]+: ([0-9]+(?:\.[0-9]+)?) /#),
                                 "cannot read a score in: \(line)")
        return try #require(Double(String(match.1)))
    }

    /// `systemd-analyze verify` of simwatch.service as installed under `root`.
    static func verify(root: String) async throws -> Tool.Result {
        try await Tool.run(path, ["verify", "--root=\(root)", "--no-pager", "simwatch.service"], limit: .seconds(60))
    }
}

/// A command run to completion, bounded by coreutils' `timeout`, with its output in a file.
enum Tool {
    struct Result {
        let status: Int32
        /// stdout and stderr, interleaved as written.
        let output: String
    }

    /// Runs `executable arguments…` with a minimal environment; `timeout` kills the whole
    /// process group after `limit`, so a hung grandchild (make -> sh -> …) cannot stay behind.
    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil,
                    limit: Duration) async throws -> Result {
        let scratch = try TempFolder()
        let outputPath = scratch.path + "/output.txt"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["--kill-after=5s", "\(limit.components.seconds)s", executable] + arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        // A minimal environment: `make test` exports MAKEFLAGS, and make would read stray
        // PREFIX, DESTDIR or CONFIG variables from it.
        process.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": scratch.path, "LANG": "C.UTF-8"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        if status == 124 || status == 137 {
            Issue.record("\(executable) \(arguments.joined(separator: " ")) did not finish within \(limit)")
        }
        return Result(status: status, output: text)
    }
}

/// The repository this test file belongs to.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}
