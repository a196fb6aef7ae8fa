import Foundation
import SimWatchCore

/// The one-line progress `simwatch once` shows on a terminal: `polled 1234/5000  4.9/s  ETA 12m 50s`.
public struct ProgressLine: Sendable, Equatable {
    public var completed: Int
    public var total: Int
    public var elapsed: Duration

    public init(completed: Int, total: Int, elapsed: Duration) {
        self.completed = completed
        self.total = total
        self.elapsed = elapsed
    }

    /// The line's text, without control characters.
    ///
    /// The rate is devices per second so far; the ETA assumes it holds. Until one device is done
    /// the rate is unknown (`-/s`, `ETA --`); once all are done, the ETA gives way to the time taken.
    public var text: String {
        let seconds = elapsed.seconds
        let counts = "polled \(completed)/\(total)"
        if completed >= total {
            let rate = seconds > 0 ? "  " + Self.rate(Double(completed) / seconds) : ""
            return counts + rate + "  in " + HumanFormat.seconds(measured: seconds, rounding: .toNearestOrAwayFromZero)
        }
        guard completed > 0, seconds > 0 else { return counts + "  -/s  ETA --" }
        let perSecond = Double(completed) / seconds
        let remaining = Double(total - completed) / perSecond
        return counts + "  " + Self.rate(perSecond) + "  ETA " + HumanFormat.seconds(measured: remaining)
    }

    private static func rate(_ perSecond: Double) -> String {
        String(format: "%.1f/s", perSecond)
    }
}

/// Draws a `ProgressLine` in place on stderr, and only when stderr is a terminal.
///
/// Each redraw is `\r`, the text, clear-to-end-of-line, then `\r` again: leaving the cursor at
/// the start of the line means a log line written meanwhile overwrites the progress instead of
/// being glued to its end; the next redraw puts the progress back under it.
public final class ProgressWriter: Sendable {
    private let write: (@Sendable (String) -> Void)?
    private let throttle: Throttle

    /// A writer on `output` (stderr), inactive unless `output` is a terminal.
    ///
    /// Redraws come at most every `minimumInterval`, so a fast fleet does not flood the terminal.
    public convenience init(output: LineOutput = .standardError, minimumInterval: Duration = .milliseconds(100)) {
        self.init(enabled: output.isTerminal, minimumInterval: minimumInterval, write: output.write)
    }

    /// A writer sending its escape sequences to `write` when `enabled`.
    public init(enabled: Bool, minimumInterval: Duration = .milliseconds(100), write: @escaping @Sendable (String) -> Void) {
        self.write = enabled ? write : nil
        self.throttle = Throttle(minimumGap: minimumInterval)
    }

    /// Redraws the line, unless the last redraw was less than `minimumInterval` ago.
    public func update(_ line: ProgressLine) {
        guard let write else { return }
        if throttle.admit() { write("\r" + line.text + "\u{1B}[K\r") }
    }

    /// Draws the final state and moves to the next line, so the summary stays on screen.
    public func finish(_ line: ProgressLine) {
        write?("\r" + line.text + "\u{1B}[K\n")
    }
}
