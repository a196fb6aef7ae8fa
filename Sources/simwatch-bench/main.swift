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
    let started = clock.now
    let devices: Int
    if CommandLine.arguments.dropFirst(3).first == "--whole" {
        guard case .contents(let bytes) = try StateFileSystem.readContents(path: path) else { exit(1) }
        devices = try StateCodec.decode(bytes).devices.count
    } else {
        devices = try StateStore(path: path, logger: Logger(label: "simwatch-bench")).read()?.devices.count ?? 0
    }
    print(String(format: "load devices=%d load_ms=%.0f", devices, (clock.now - started).milliseconds))
    exit(0)
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
        state.devices[iccid] = DeviceRecord(
            last: usage, observedAt: start.addingTimeInterval(Double(index % 900)), observation: 1_000 + index % 17,
            thresholds: ThresholdState(fired: fired), notFound: index % 1_000 == 999
        )
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

/// CPU time of this thread, in milliseconds: on a loaded machine it says more than the wall clock.
func threadCPUMilliseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1_000 + Double(time.tv_nsec) / 1_000_000
}

var saveTimes: [Double] = [], saveCPU: [Double] = []
var loadTimes: [Double] = [], loadCPU: [Double] = []
for _ in 0..<rounds {
    var cpu = threadCPUMilliseconds()
    saveTimes.append(try milliseconds { try store.save(state) })
    saveCPU.append(threadCPUMilliseconds() - cpu)
    var result: StateStore.LoadResult = .fresh
    cpu = threadCPUMilliseconds()
    loadTimes.append(try milliseconds { result = try store.load(now: Date()) })
    loadCPU.append(threadCPUMilliseconds() - cpu)
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
    guard handState == state, foundationState == state else {
        print("simwatch-bench: a codec did not round-trip the state")
        exit(1)
    }
}
print(String(format: "codec devices=%d hand_encode_ms=%.0f foundation_encode_ms=%.0f hand_decode_ms=%.0f foundation_decode_ms=%.0f",
             deviceCount, handEncode.min()!, foundationEncode.min()!, handDecode.min()!, foundationDecode.min()!))
