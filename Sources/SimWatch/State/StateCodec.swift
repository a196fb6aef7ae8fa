import Foundation

/// Turns `PersistentState` into the state file's bytes and back.
enum StateCodec {
    static func encode(_ state: PersistentState) -> [UInt8] {
        // swiftlint:disable:next force_try
        Array(try! JSONEncoder.simwatch(pretty: true).encode(state))
    }

    static func decode(_ bytes: [UInt8]) throws(StateFormatError) -> PersistentState {
        do {
            return try JSONDecoder.simwatch().decode(PersistentState.self, from: Data(bytes))
        } catch {
            throw StateFormatError(description: "\(error)")
        }
    }
}
