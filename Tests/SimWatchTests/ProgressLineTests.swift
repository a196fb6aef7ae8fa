import Foundation
import Testing
@testable import SimWatchDaemon

@Suite struct ProgressLineTests {
    @Test(arguments: [
        (1234, 5000, Duration.milliseconds(251_837), "polled 1234/5000  4.9/s  ETA 12m 49s"),
        (10, 100, .seconds(2), "polled 10/100  5.0/s  ETA 18s"),
        (1, 10_000, .seconds(1), "polled 1/10000  1.0/s  ETA 2h 46m"),
        (3, 4, .milliseconds(1500), "polled 3/4  2.0/s  ETA 1s"),
        (0, 5000, .seconds(3), "polled 0/5000  -/s  ETA --"),
        (5, 5000, .zero, "polled 5/5000  -/s  ETA --"),
        (5000, 5000, .seconds(1021), "polled 5000/5000  4.9/s  in 17m 1s"),
        (0, 0, .zero, "polled 0/0  in 0s"),
    ])
    func rendersCountsRateAndETA(completed: Int, total: Int, elapsed: Duration, expected: String) {
        #expect(ProgressLine(completed: completed, total: total, elapsed: elapsed).text == expected)
    }
}

/// What a `ProgressWriter` sent, in order.
private final class CapturedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    func append(_ text: String) {
        lock.withLock { storage.append(text) }
    }

    var writes: [String] { lock.withLock { storage } }
}

@Suite struct ProgressWriterTests {
    @Test func redrawsInPlaceAndEndsWithANewline() {
        let captured = CapturedOutput()
        let writer = ProgressWriter(enabled: true, minimumInterval: .zero, write: captured.append)
        writer.update(ProgressLine(completed: 1, total: 2, elapsed: .seconds(1)))
        writer.finish(ProgressLine(completed: 2, total: 2, elapsed: .seconds(2)))
        #expect(captured.writes == [
            "\rpolled 1/2  1.0/s  ETA 1s\u{1B}[K\r",
            "\rpolled 2/2  1.0/s  in 2s\u{1B}[K\n",
        ])
    }

    @Test func writesNothingWhenDisabled() {
        let captured = CapturedOutput()
        let writer = ProgressWriter(enabled: false, minimumInterval: .zero, write: captured.append)
        writer.update(ProgressLine(completed: 1, total: 2, elapsed: .seconds(1)))
        writer.finish(ProgressLine(completed: 2, total: 2, elapsed: .seconds(2)))
        #expect(captured.writes.isEmpty)
    }

    @Test func throttlesRedrawsButNeverTheFinalLine() {
        let captured = CapturedOutput()
        let writer = ProgressWriter(enabled: true, minimumInterval: .seconds(3600), write: captured.append)
        for done in 1...50 {
            writer.update(ProgressLine(completed: done, total: 100, elapsed: .seconds(done)))
        }
        writer.finish(ProgressLine(completed: 100, total: 100, elapsed: .seconds(100)))
        #expect(captured.writes.count == 2)
        #expect(captured.writes.first?.contains("polled 1/100") == true)
        #expect(captured.writes.last?.hasSuffix("\n") == true)
    }

    @Test func aNonTerminalOutputDisablesTheWriter() throws {
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[0]); close(pipeEnds[1]) }
        let output = LineOutput(fileDescriptor: pipeEnds[1])
        #expect(output.isTerminal == false)
        let writer = ProgressWriter(output: output, minimumInterval: .zero)
        writer.finish(ProgressLine(completed: 1, total: 1, elapsed: .seconds(1)))
        var entry = pollfd(fd: pipeEnds[0], events: Int16(POLLIN), revents: 0)
        #expect(poll(&entry, 1, 0) == 0)
    }
}
