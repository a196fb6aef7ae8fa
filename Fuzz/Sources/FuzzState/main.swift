// Fuzz target: the state file's bytes, as `StateStore.load` and `read` decode them.
import Foundation
import FuzzSupport
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchControlCenter
@testable import SimWatchCore
@testable import SimWatchState

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(FuzzDriver.bytes(data, size))
    let state: PersistentState
    do {
        state = try StateCodec.decode(bytes)
    } catch {
        // Set aside as corrupt, with this reason in the log: rendered always, as code under test.
        let reason = error.description
        FuzzDriver.show("corrupt: \(reason)")
        return 0
    }
    FuzzDriver.show("loaded: cycle \(state.cycle), \(state.devices.count) devices, \(state.outbox.count) in the outbox")
    // A state that loaded is saved again at the end of the cycle: that file must load too,
    // or the next start would throw the fleet's history away.
    do {
        _ = try StateCodec.decode(StateCodec.encode(state))
    } catch {
        FuzzDriver.violated("a loaded state saved as a file that does not load: \(error.description)")
    }
    return 0
}

FuzzDriver.run(fuzzOne)
