// `simwatch-bench memory STATE [CONFIG]`: what one device costs on the heap, part by part.
//
// Loads a state file the way the daemon does, then takes the parts off every record one at
// a time (insight marks, usage rate, last usage, the record itself) and prints how many
// heap bytes each freed per device, from glibc's own count: RSS also holds freed pages and
// libraries, so only the allocator says where the bytes are. With CONFIG, its device
// entries are loaded and weighed too.
import Foundation
import Glibc
import Logging
import SimWatchConfig
import SimWatchCore
import SimWatchState

/// Heap bytes in use per glibc, small blocks and mmapped ones: what `malloc_stats` prints
/// as the total "in use bytes".
///
/// `mallinfo2` would say it directly, but the Glibc module leaves `malloc.h` out, and a C
/// struct cannot come back through `dlsym`; `malloc_stats` takes and returns nothing, and
/// its report is caught by pointing stderr at a file for the call.
func heapInUse() -> Int {
    guard let symbol = dlsym(nil, "malloc_stats") else {
        return 0
    }
    let mallocStats = unsafeBitCast(symbol, to: (@convention(c) () -> Void).self)
    let path = "/tmp/simwatch-bench-malloc-\(getpid())"
    let file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    guard file >= 0 else { return 0 }
    defer { close(file); unlink(path) }
    let saved = dup(STDERR_FILENO)
    dup2(file, STDERR_FILENO)
    mallocStats()
    dup2(saved, STDERR_FILENO)
    close(saved)
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
          let total = text.range(of: "Total (incl. mmap):") else { return 0 }
    let line = text[total.upperBound...].split(separator: "\n").first { $0.contains("in use bytes") }
    return line.flatMap { Int($0.split(separator: "=").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 0
}

/// Runs the probe; the exit status.
func memoryProbe(_ arguments: [String]) throws -> Int32 {
    guard let statePath = arguments.first else {
        print("usage: simwatch-bench memory STATE [CONFIG]")
        return 2
    }
    var lines: [String] = []
    func report(_ part: String, _ bytes: Int, _ count: Int) {
        let figures = String(format: "%9.1f MB %7.1f B/device", Double(bytes) / 1_048_576, Double(bytes) / Double(max(count, 1)))
        lines.append(part.padding(toLength: 26, withPad: " ", startingAt: 0) + figures)
    }
    let empty = heapInUse()
    guard var state = try StateStore(path: statePath, logger: Logger(label: "simwatch-bench")).read() else {
        print("no state file at \(statePath)")
        return 1
    }
    let loaded = heapInUse()
    let count = state.devices.count
    var keys = Array(state.devices.keys)
    let withKeys = heapInUse()
    var before = withKeys
    func strip(_ part: String, _ change: (inout DeviceRecord) -> Void) {
        for key in keys { change(&state.devices[key]!) }
        let now = heapInUse()
        report(part, before - now, count)
        before = now
    }
    lines.append("devices \(count)")
    report("whole state", loaded - empty, count)
    strip("insight marks") { $0.insight = InsightMarks() }
    strip("usage rate") { $0.usageRate = nil }
    strip("flapping") { $0.flapping = nil }
    strip("thresholds") { $0.thresholds = ThresholdState() }
    strip("last usage") { $0.last = nil }
    state.devices = [:]
    keys = []
    let cleared = heapInUse()
    report("records, slots, keys", before - cleared, count)
    report("rest of the state", cleared - empty, count)
    if let configPath = arguments.dropFirst().first {
        let start = heapInUse()
        let config = try ConfigLoader.load(path: configPath, environment: ["SIMWATCH_BENCH_API_KEY": "x"]).config
        report("config (device entries)", heapInUse() - start, config.devices.count)
        withExtendedLifetime(config) {}
    }
    print(lines.joined(separator: "\n"))
    return 0
}
