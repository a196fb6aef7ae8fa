import Foundation
import Synchronization
import Testing
@testable import SimWatchCore
@testable import SimWatchDaemon

/// The Prometheus text format parsed back: HELP and TYPE per family, and every sample.
///
/// Written from the format's description rather than the library's code, so a change in
/// what the library emits shows up here as a failing test.
struct Exposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var help: [String: String] = [:]
    var type: [String: String] = [:]
    var samples: [Sample] = []
    /// Lines that are neither comments nor valid samples.
    var malformed: [String] = []

    init(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst("# HELP ".count)
                let parts = rest.split(separator: " ", maxSplits: 1)
                help[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst("# TYPE ".count).split(separator: " ")
                if parts.count == 2 { type[String(parts[0])] = String(parts[1]) } else { malformed.append(line) }
            } else if line.hasPrefix("#") {
                continue
            } else if let sample = Self.sample(line) {
                samples.append(sample)
            } else {
                malformed.append(line)
            }
        }
    }

    /// `name{a="b",c="d"} 1.5`; label values may hold escaped quotes and backslashes.
    private static func sample(_ line: String) -> Sample? {
        var labels: [String: String] = [:]
        let nameEnd = line.firstIndex { $0 == "{" || $0 == " " } ?? line.endIndex
        let name = String(line[..<nameEnd])
        var index = nameEnd
        if index < line.endIndex, line[index] == "{" {
            index = line.index(after: index)
            while index < line.endIndex, line[index] != "}" {
                guard let equals = line[index...].firstIndex(of: "=") else { return nil }
                let key = String(line[index..<equals])
                var cursor = line.index(after: equals)
                guard cursor < line.endIndex, line[cursor] == "\"" else { return nil }
                cursor = line.index(after: cursor)
                var value = ""
                while cursor < line.endIndex, line[cursor] != "\"" {
                    if line[cursor] == "\\" {
                        cursor = line.index(after: cursor)
                        guard cursor < line.endIndex else { return nil }
                        value.append(line[cursor] == "n" ? "\n" : line[cursor])
                    } else {
                        value.append(line[cursor])
                    }
                    cursor = line.index(after: cursor)
                }
                guard cursor < line.endIndex else { return nil }
                labels[key] = value
                index = line.index(after: cursor)
                if index < line.endIndex, line[index] == "," { index = line.index(after: index) }
            }
            guard index < line.endIndex else { return nil }
            index = line.index(after: index)
        }
        let valueText = line[index...].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, let value = Double(valueText == "+Inf" ? "inf" : valueText) else { return nil }
        return Sample(name: name, labels: labels, value: value)
    }

    /// Samples of one series name, e.g. `simwatch_polls_total`.
    func samples(_ name: String) -> [Sample] { samples.filter { $0.name == name } }

    /// The value of the one sample with this name and exactly these labels.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matches = samples.filter { $0.name == name && $0.labels == labels }
        return matches.count == 1 ? matches[0].value : nil
    }
}

extension SimwatchMetrics {
    /// The exposition parsed, for assertions.
    var parsed: Exposition { Exposition(String(decoding: exposition(), as: UTF8.self)) }
}

/// A wall clock the test moves by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// An event of `kind` with nothing else of interest.
func metricsTestEvent(_ kind: EventKind, id: String = "0000000000000000") -> Event {
    Event(id: id, kind: kind, severity: .info, observedAt: Date(timeIntervalSince1970: 0), summary: "test")
}
