import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchState

/// The state codec's one description of `DeviceUsage` (`UsageField.all`).
@Suite("State file field table")
struct StateFieldTableTests {
    /// A field added to `DeviceUsage` but not to the table would silently not be saved.
    @Test func theTableCoversEveryDeviceUsageField() {
        let modelFields = Set(Mirror(reflecting: DeviceUsage(iccid: "x")).children.compactMap(\.label)).subtracting(["iccid"])
        let tableKeys = UsageField.all.map { $0.key.description }
        #expect(Set(tableKeys) == modelFields)
        #expect(tableKeys.count == Set(tableKeys).count, "a key is listed twice")
    }

    /// The table writes keys in its order, and a record with every field unknown is just the ICCID.
    @Test func writesInTableOrderAndOmitsUnknowns() throws {
        var state = PersistentState()
        let full = DeviceUsage(
            iccid: "1", imsi: "i", msisdn: "m", imei: "", status: "ACTIVATED", ratePlan: "r", communicationPlan: "c",
            ctdDataUsage: .max, ctdSMSUsage: 0, ctdVoiceUsage: 2, ctdSessionCount: 3, overageLimitReached: false,
            overageLimitOverride: "DEFAULT")
        state.devices["1"] = DeviceRecord(last: full, observation: 1)
        state.devices["2"] = DeviceRecord(last: DeviceUsage(iccid: "2"), observation: 1)
        let text = String(decoding: StateCodec.encode(state), as: UTF8.self)
        #expect(text.contains(#""last":{"iccid":"1","status":"ACTIVATED","ratePlan":"r","communicationPlan":"c","imsi":"i","msisdn":"m","imei":"","ctdDataUsage":9223372036854775807,"ctdSMSUsage":0,"ctdVoiceUsage":2,"ctdSessionCount":3,"overageLimitReached":false,"overageLimitOverride":"DEFAULT"}"#))
        #expect(text.contains(#""last":{"iccid":"2"}"#))
        #expect(try StateCodec.decode(StateCodec.encode(state)) == state)
    }

    /// Each kind of row refuses the other kinds' values, with the key in the message.
    @Test(arguments: [
        (#""status":1"#, "expected"), (#""ctdDataUsage":"1""#, "expected a whole number"),
        (#""ctdSMSUsage":-1"#, "counter \"ctdSMSUsage\" is negative (-1)"), (#""ctdVoiceUsage":1e300"#, "expected a whole number"),
        (#""ctdSessionCount":9223372036854775808"#, "number too large"), (#""overageLimitReached":"true""#, "expected true or false"),
    ])
    func wrongKindsAreRefused(member: String, reason: String) {
        let file = #"{"schema_version":1,"cycle":1,"health":{"consecutive_failed_cycles":0,"poll_failed_raised":false},"#
            + #""outbox":[],"dead_letters":[],"devices":{"1":{"observation":1,"not_found":false,"thresholds":{"fired":[]},"#
            + #""last":{"iccid":"1","# + member + "}}}}"
        #expect {
            try StateCodec.decode(Array(file.utf8))
        } throws: { error in
            String(describing: error).contains(reason)
        }
    }

    /// `null` for any row is unknown, as an older or hand-edited file may say.
    @Test func nullIsUnknownForEveryRow() throws {
        let members = UsageField.all.map { #""\#($0.key)":null"# }.joined(separator: ",")
        let file = #"{"schema_version":1,"cycle":1,"health":{"consecutive_failed_cycles":0,"poll_failed_raised":false},"#
            + #""outbox":[],"dead_letters":[],"devices":{"1":{"observation":1,"not_found":false,"thresholds":{"fired":[]},"#
            + #""last":{"iccid":"1","# + members + "}}}}"
        #expect(try StateCodec.decode(Array(file.utf8)).devices["1"]?.last == DeviceUsage(iccid: "1"))
    }
}
