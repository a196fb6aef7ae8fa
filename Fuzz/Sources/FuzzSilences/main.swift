// Fuzz target: the silences file's bytes, as the daemon's watcher and `simwatch silence` decode them.
import Foundation
import FuzzSupport
@testable import SimWatchCore
@testable import SimWatchMonitor

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(FuzzDriver.bytes(data, size))
    let silences: [Silence]
    switch SilenceFile.decode(bytes) {
    case .failure(let problem):
        // Logged with the file's path, the last good set stays: rendered always, as code under test.
        FuzzDriver.show("not usable: \(problem.message)")
        return 0
    case .success(let decoded):
        silences = decoded
    }
    FuzzDriver.show("loaded: \(silences.count) silences: \(silences.map(\.match.description).joined(separator: "; "))")
    // `silence add` and `expire` write back what they read: that file must load as the same silences.
    switch SilenceFile.decode(SilenceFile.encode(silences)) {
    case .success(let again) where again == silences:
        break
    case .success:
        FuzzDriver.violated("silences written back read differently")
    case .failure(let problem):
        FuzzDriver.violated("silences written back do not load: \(problem.message)")
    }
    return 0
}

FuzzDriver.run(fuzzOne)
