import Foundation
import Testing
@testable import SimWatchDaemon
@testable import SimWatchState

@Suite struct DaemonProcessTests {
    @Test(arguments: [("123", 123), ("123\n", 123), ("4194304", 4_194_304), ("2", 2)] as [(String, Int32)])
    func readsAPidAsTheLockWritesIt(_ text: String, _ pid: Int32) {
        #expect(StateLock.parsePID(text) == pid)
    }

    @Test(arguments: ["", "\n", "0", "1", "-1", "-0", "+5", " 5", "5 ", "5\n\n", "5\r\n", "2147483648", "99999999999",
                      "9223372036854775807", "1e3", "0x10", "١٢٣", "12a", "\u{FF}"])
    func rejectsAnythingElse(_ text: String) {
        #expect(StateLock.parsePID(text) == nil)
    }

    @Test func aLockFileThatNobodyHoldsNamesNoDaemon() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simwatch-lock-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let state = folder + "/state.json"
        #expect(StateLock.holderPID(forStateFile: state) == nil)
        // A pid left behind by a crash: the file says who, but nobody holds the lock.
        try Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: state + ".lock"))
        #expect(StateLock.holderPID(forStateFile: state) == nil)
    }

    @Test func signallingNoProcessSaysWhichPid() {
        guard case .failure(let error) = DaemonProcess.sendReload(to: 4_194_304) else {
            Issue.record("signalled pid 4194304")
            return
        }
        #expect(error.description.contains("4194304"))
        guard case .failure = DaemonProcess.sendReload(to: 0) else {
            Issue.record("signalled the process group")
            return
        }
    }
}

@Suite(.serialized) struct ProcessHygieneTests {
    @Test func makesTheProcessNonDumpableAndIgnoresSigpipe() throws {
        guard let before = ProcessHygiene.isDumpable() else {
            Issue.record("prctl is not available")
            return
        }
        defer { if before { ProcessHygiene.restoreDumpable() } }
        let outcome = ProcessHygiene.apply(environment: [:])
        #expect(outcome == .init(sigpipeIgnored: true, nonDumpable: true))
        #expect(ProcessHygiene.isDumpable() == false)
    }

    @Test func allowCoreKeepsItDumpable() throws {
        ProcessHygiene.restoreDumpable()
        let outcome = ProcessHygiene.apply(environment: ["SIMWATCH_ALLOW_CORE": "1"])
        #expect(outcome.nonDumpable == false)
        #expect(ProcessHygiene.isDumpable() == true)
        // Only "1" counts: anything else still protects.
        defer { ProcessHygiene.restoreDumpable() }
        #expect(ProcessHygiene.apply(environment: ["SIMWATCH_ALLOW_CORE": "yes"]).nonDumpable)
    }
}
