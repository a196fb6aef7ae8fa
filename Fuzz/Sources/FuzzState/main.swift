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
    // Loads stream the file in chunks: wherever they end, the result must be the whole-file
    // reader's, state or error. Small chunks put the ends inside strings, escapes, numbers.
    let chunkBytes = 1 + Int(bytes.last ?? 0) % 61
    let streamed = Result { () throws(StateCodec.DecodeFailure) in try StateCodec.decode(bytes, chunkBytes: chunkBytes) }
    let state: PersistentState
    do {
        state = try StateCodec.decode(bytes)
    } catch {
        switch streamed {
        case .success:
            FuzzDriver.violated("the streamed load (chunks of \(chunkBytes)) accepted a file the whole-file reader refuses")
        case .failure(.format(let streamedError)) where streamedError.description != error.description:
            FuzzDriver.violated("streamed and whole-file loads name different errors: \(streamedError) / \(error)")
        case .failure(.format):
            break
        case .failure(let other):
            FuzzDriver.violated("the streamed load failed other than on the format: \(other)")
        }
        // Set aside as corrupt, with this reason in the log: rendered always, as code under test.
        let reason = error.description
        FuzzDriver.show("corrupt: \(reason)")
        return 0
    }
    if case .success(let streamedState) = streamed, streamedState == state {
    } else {
        FuzzDriver.violated("the streamed load (chunks of \(chunkBytes)) differs from the whole-file reader: \(streamed)")
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
