// Measures the state file at fleet scale: save and load time and file size, best of 3,
// and the hand-written codec against Foundation's coders on the same state (the reason
// the hand-written one exists: it must stay clearly faster, or give way to Codable).
// Build in release: swift build -c release --product simwatch-bench --scratch-path .build-release
//
// `simwatch-bench schedule` runs the budgeted-polling benchmark instead (ScheduleBenchmark).
import Foundation
import Logging
import SimWatchCore
import SimWatchState
import Synchronization

if CommandLine.arguments.dropFirst().first == "memory" {
    exit(try memoryProbe(Array(CommandLine.arguments.dropFirst(2))))
}
if CommandLine.arguments.dropFirst().first == "schedule" {
    // A benchmark process with nothing else to do: the main thread waits while the pool works.
    let status = Mutex<Int32>(1)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do {
            var settings = ScheduleBenchSettings()
            // `schedule DEVICES RATE`: a smaller fleet at a proportionally smaller rate keeps the shape, faster.
            let numbers = CommandLine.arguments.dropFirst(2)
            if let devices = numbers.first.flatMap({ Int($0) }), (1...1_000_000).contains(devices) { settings.devices = devices }
            if let rate = numbers.dropFirst().first.flatMap({ Double($0) }), (0.001...100).contains(rate) { settings.rateLimit = rate }
            let code = try await ScheduleBenchmark.run(settings: settings)
            status.withLock { $0 = code }
        } catch {
            print("simwatch-bench schedule: \(error)")
        }
        done.signal()
    }
    done.wait()
    exit(status.withLock { $0 })
}

/// CPU time of the whole process, in milliseconds (a save or load splits its work over two
/// threads): on a loaded machine it says more than the wall clock.
func processCPUMilliseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1_000 + Double(time.tv_nsec) / 1_000_000
}


// `simwatch-bench write DEVICES PATH` writes a state file; `simwatch-bench load PATH [--whole]` loads
// one and nothing else, so `/usr/bin/time` shows the CPU and peak memory of a load alone
// (`--whole`: read the whole file first, then decode it, as loads did before they streamed).
if CommandLine.arguments.dropFirst().first == "write", CommandLine.arguments.count == 4,
   let count = Int(CommandLine.arguments[2]), (0...2_000_000).contains(count) {
    try StateStore(path: CommandLine.arguments[3], logger: Logger(label: "simwatch-bench")).save(realisticState(devices: count))
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "load", CommandLine.arguments.count >= 3 {
    let path = CommandLine.arguments[2]
    let clock = ContinuousClock()
    let heapBefore = heapInUse()
    let cpu = processCPUMilliseconds()
    let started = clock.now
    let loaded: PersistentState?
    if CommandLine.arguments.dropFirst(3).first == "--whole" {
        guard case .contents(let bytes) = try StateFileSystem.readContents(path: path) else { exit(1) }
        loaded = try StateCodec.decode(bytes)
    } else {
        loaded = try StateStore(path: path, logger: Logger(label: "simwatch-bench")).read()
    }
    let elapsed = (clock.now - started).milliseconds, loadCPU = processCPUMilliseconds() - cpu
    // Held until the heap is measured (glibc's in-use count, `heapInUse` in MemoryProbe), as a
    // daemon holds what it loaded; never freed (the process exits).
    let devices = loaded?.devices.count ?? 0
    let heap = Double(heapInUse() - heapBefore)
    print(String(format: "load devices=%d load_ms=%.0f load_cpu_ms=%.0f heap_mb=%.1f heap_bytes_per_device=%.0f",
                 devices, elapsed, loadCPU, heap / 1_048_576, devices > 0 ? heap / Double(devices) : 0))
    withExtendedLifetime(loaded) { exit(0) }
}

let deviceCount = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 100_000
let rounds = 3

func realisticState(devices count: Int) -> PersistentState {
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    let statuses = ["ACTIVATED", "ACTIVATED", "ACTIVATED", "DEACTIVATED", "TEST_READY"]
    var state = PersistentState(cycle: 4_321, health: Health(lastSuccessfulCycleAt: start))
    state.devices.reserveCapacity(count)
    var someUsage: [DeviceUsage] = []
    for index in 0..<count {
        let iccid = "8988216716" + String(970_000_000 + index)
        let usage = DeviceUsage(
            iccid: iccid, imsi: "2040431" + String(10_000_000 + index), msisdn: "88" + String(2_000_000_000 + index),
            imei: index % 10 == 0 ? "" : "35" + String(1_000_000_000_000 + index * 7),
            status: statuses[index % statuses.count], ratePlan: "hphlr rp\(index % 7)",
            communicationPlan: "CP_Basic_\(index % 3)", ctdDataUsage: Int64(index) * 98_765,
            ctdSMSUsage: Int64(index % 500), ctdVoiceUsage: Int64(index % 3_600),
            ctdSessionCount: index % 4 == 0 ? nil : Int64(index % 900), overageLimitReached: index % 50 == 0,
            overageLimitOverride: index % 20 == 0 ? "TEMPORARY_OVERRIDE" : "DEFAULT"
        )
        if index < 100 { someUsage.append(usage) }
        let fired: Set<String> = index % 3 == 0 ? ["data>=500000000", "data>=80%"] : []
        let observedAt = start.addingTimeInterval(Double(index % 900))
        var record = DeviceRecord(
            last: usage, observedAt: observedAt, observation: 1_000 + index % 17,
            thresholds: ThresholdState(fired: fired), notFound: index % 1_000 == 999,
            usageRate: realisticRate(index, polledAt: observedAt)
        )
        record.insight = realisticMarks(index, cycleStart: start.addingTimeInterval(-86_400 * 9))
        state.devices[iccid] = record
    }
    let events = someUsage.enumerated().map { offset, usage in
        Event(
            id: String(format: "%016llx", UInt64(offset) &* 0x9E37_79B9_7F4A_7C15), kind: .thresholdCrossed,
            severity: .warning, iccid: usage.iccid, deviceName: "truck-\(offset)", labels: ["site": "berlin"],
            observedAt: start, summary: "truck-\(offset) (\(usage.iccid)): data 85% of plan", metric: .data,
            threshold: 800_000_000, value: 850_000_000, thresholdPercent: 80, percentOfPlan: 85.2, device: usage
        )
    }
    state.enqueue(events, webhooks: ["ops-chat", "pager"], at: start)
    return state
}

/// What budgeted polling keeps after a few cycles: every SIM polled, one in eight with rates
/// known (per_day stays empty while the counters do not grow).
func realisticRate(_ index: Int, polledAt: Date) -> UsageRate {
    guard index % 8 == 0 else { return UsageRate(polledAt: polledAt, perDay: [:]) }
    var perDay: [Metric: Int64] = [.data: Int64(index % 977) * 1_048_576 + 1]
    if index % 16 == 0 { perDay[.sms] = Int64(index % 40) + 1 }
    if index % 32 == 0 { perDay[.voice] = Int64(index % 3_000) + 60 }
    return UsageRate(polledAt: polledAt, perDay: perDay)
}

/// The insight marks a daemon writes from the second cycle on: a data spike baseline for
/// every SIM (a rate for those that grow), an SMS one for some, a few spiked or projected.
func realisticMarks(_ index: Int, cycleStart: Date) -> InsightMarks {
    let growing = index % 8 == 0
    var marks = InsightMarks()
    marks.spikes[.data] = SpikeBaseline(
        perHour: growing ? Double(index % 977) * 43_690.625 : 0, rates: growing ? 4 + index % 60 : 4,
        spikedAt: index % 97 == 0 ? cycleStart.addingTimeInterval(Double(index % 86_400)) : nil)
    if index % 16 == 0 { marks.spikes[.sms] = SpikeBaseline(perHour: Double(index % 40) / 24, rates: 4) }
    if index % 250 == 0 {
        marks.projected = [.data]
        marks.projectedCycleStart = cycleStart
    }
    return marks
}

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let elapsed = try clock.measure(body)
    return elapsed.milliseconds
}

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simwatch-bench-\(getpid())").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }
let store = StateStore(path: folder + "/state.json", logger: Logger(label: "simwatch-bench"))
let state = realisticState(devices: deviceCount)

var saveTimes: [Double] = [], saveCPU: [Double] = []
var loadTimes: [Double] = [], loadCPU: [Double] = []
for _ in 0..<rounds {
    var cpu = processCPUMilliseconds()
    saveTimes.append(try milliseconds { try store.save(state) })
    saveCPU.append(processCPUMilliseconds() - cpu)
    var result: StateStore.LoadResult = .fresh
    cpu = processCPUMilliseconds()
    loadTimes.append(try milliseconds { result = try store.load(now: Date()) })
    loadCPU.append(processCPUMilliseconds() - cpu)
    guard case .loaded(let loaded) = result, loaded == state else {
        print("simwatch-bench: loaded state differs from the saved one")
        exit(1)
    }
}
let size = (try FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int) ?? -1
print(String(format: "devices=%d save_ms=%.0f load_ms=%.0f size_bytes=%d save_cpu_ms=%.0f load_cpu_ms=%.0f",
             deviceCount, saveTimes.min()!, loadTimes.min()!, size, saveCPU.min()!, loadCPU.min()!))

// Encoding and decoding alone, in memory: the hand-written codec against JSONEncoder/JSONDecoder.
var handEncode: [Double] = [], handDecode: [Double] = [], foundationEncode: [Double] = [], foundationDecode: [Double] = []
let encoder = JSONEncoder.simwatch()
let decoder = JSONDecoder.simwatch()
for _ in 0..<rounds {
    var handBytes: [UInt8] = []
    handEncode.append(milliseconds { handBytes = StateCodec.encode(state) })
    var handState: PersistentState?
    handDecode.append(try milliseconds { handState = try StateCodec.decode(handBytes) })
    var foundationBytes = Data()
    foundationEncode.append(try milliseconds { foundationBytes = try encoder.encode(state) })
    var foundationState: PersistentState?
    foundationDecode.append(try milliseconds { foundationState = try decoder.decode(PersistentState.self, from: foundationBytes) })
    // Foundation's coders leave out a device's insight marks (only the hand-written file keeps them).
    guard handState == state, foundationState?.devices.count == state.devices.count,
          foundationState?.devices.allSatisfy({ iccid, record in
              var expected = state.devices[iccid]
              expected?.insight = InsightMarks()
              return record == expected
          }) == true else {
        print("simwatch-bench: a codec did not round-trip the state")
        exit(1)
    }
}
print(String(format: "codec devices=%d hand_encode_ms=%.0f foundation_encode_ms=%.0f hand_decode_ms=%.0f foundation_decode_ms=%.0f",
             deviceCount, handEncode.min()!, foundationEncode.min()!, handDecode.min()!, foundationDecode.min()!))
