import Foundation
import Testing

/// `simwatch status` as an operator runs it: into a pipe, a file, a full disk.
@Suite struct StatusCommandTests {
    @Test func aFullDiskIsAnErrorNotACompleteLookingReport() async throws {
        let fixture = try await Fixture.start(devices: 3)
        defer { Task { await fixture.stop() } }
        #expect(try await fixture.once().status == 0)
        let written = try await SimwatchProcess.run(["status", "--config", fixture.configPath], in: fixture.folder.path,
                                                    environment: fixture.environment)
        #expect(written.status == 0, "stderr: \(written.stderr)")
        #expect(written.stdout.hasPrefix("ICCID"))

        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let child = try SimwatchProcess(["status", "--config", fixture.configPath], in: fixture.folder.path,
                                        environment: fixture.environment, standardOutput: full)
        #expect(await child.waitForExit(timeout: .seconds(60)) == 1)
        #expect(child.stderr.contains("simwatch: cannot write the status to standard output: No space left on device"), "\(child.stderr)")
    }
}
