import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchState

/// `status` over a few thousand SIMs of every kind prints what it printed before it was made fast.
///
/// The digests were taken from the output of the code before the speed work (row by row
/// Foundation dates and formatting); a change in any cell of any row changes them.
@Suite struct StatusReportFleetTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    /// 3,000 configured SIMs (some never polled, some not found, names of every kind) and
    /// 500 discovered ones; `rateLimit` 5 fits the budget, 1 does not (due times differ).
    static func fleet(rateLimit: Double) -> (Config, PersistentState) {
        let statuses = ["ACTIVATED", "ACTIVATED", "DEACTIVATED", "TEST_READY", "ACTIVATION_READY", "Ünknown"]
        var devices: [DeviceEntry] = []
        var state = PersistentState(cycle: 77, health: Health(lastSuccessfulCycleAt: now.addingTimeInterval(-400)))
        for index in 0..<3_000 {
            let iccid = "8988216716" + String(970_000_000 + index * 37 % 3_000)
            let name: String? = switch index % 4 {
            case 0: nil
            case 1: "truck-\(index)"
            case 2: "lkw-\(index)-müller"
            default: "site #\(index % 9) 🚚"
            }
            devices.append(DeviceEntry(iccid: iccid, name: name))
            guard index % 11 != 0 else { continue }
            let usage = DeviceUsage(
                iccid: iccid, imsi: "2040431" + String(10_000_000 + index), status: statuses[index % statuses.count],
                ratePlan: index % 5 == 0 ? nil : "plan-\(index % 4)", communicationPlan: "CP_Basic",
                ctdDataUsage: index % 13 == 0 ? nil : Int64(index) * 987_654_321 % 5_000_000_000,
                ctdSMSUsage: Int64(index % 700), ctdVoiceUsage: index % 7 == 0 ? nil : Int64(index * 61 % 90_000),
                ctdSessionCount: Int64(index % 90), overageLimitReached: index % 3 == 0 ? nil : index % 17 == 0)
            let fired: Set<String> = switch index % 6 {
            case 0: ["data>=80%", "data>=500000000", "sms>=90%"]
            case 1: ["voice>=50%"]
            default: []
            }
            // Observations over the last 50 days: this billing cycle and the two before it.
            let observedAt = now.addingTimeInterval(-Double(index * 1_447 % 4_320_000))
            var record = DeviceRecord(
                last: usage, observedAt: observedAt, observation: index, thresholds: ThresholdState(fired: fired),
                notFound: index % 97 == 5,
                usageRate: index % 2 == 0 ? UsageRate(polledAt: observedAt, perDay: [.data: Int64(index) * 10_000]) : nil)
            if index % 29 == 0 { record.observedAt = nil }
            state.devices[iccid] = record
        }
        for index in 0..<500 {
            state.inventory["8988216716" + String(971_000_000 + index)] = InventoryEntry(
                status: index % 3 == 0 ? "TEST_READY" : "ACTIVATED", ratePlan: index % 2 == 0 ? "plan-1" : nil)
        }
        var config = Config(
            path: "t.yaml",
            controlCenter: ControlCenterSettings(
                baseURL: "https://cc.example.com", username: "u", apiKey: Secret("k"), rateLimit: rateLimit),
            stateFile: "/nonexistent", devices: devices,
            plans: ["plan-1": PlanAllowance(data: 1_000_000_000, sms: 500),
                    "plan-2": PlanAllowance(data: 3_000_000_000, voice: 36_000), "plan-3": PlanAllowance(sms: 0)],
            fleet: FleetSettings(discover: true))
        config.billing = BillingSettings(cycleStartDay: 15, timeZone: TimeZone(identifier: "Europe/Berlin")!)
        return (config, state)
    }

    @Test(arguments: [
        (5.0, "78a09078fb0480f1ad65141eb113b564ec36b4417770f66d24af4495688b022a",
         "eeb14dbd96a3914a47392c5524f005d5d6eb29fe17bbc6aee1e7429366dad5a0"),
        (1.0, "cac34001c7475257c76ee0950148e9ee2a20c1503b63590288d1f386455a7dd8",
         "fbc334e1c0b6b4b3a3c87204c7f54c82ac2b1fc11ccbe2cc4ee57bf487aaa6b8"),
    ])
    func tableAndJSONAreUnchanged(rateLimit: Double, tableDigest: String, jsonDigest: String) throws {
        let (config, state) = Self.fleet(rateLimit: rateLimit)
        let report = StatusReport(config: config, state: state, now: Self.now)
        #expect(report.rows.count == 3_500)
        #expect(Digest.sha256Hex(report.table(now: Self.now)) == tableDigest)
        let json = try report.json()
        #expect(Digest.sha256Hex(json) == jsonDigest)
    }

    /// `HumanFormat.decimal` writes tenths itself now; Foundation's `%.1f` is the reference.
    @Test func decimalWritesWhatTheFormatterWrote() {
        func reference(_ value: Double) -> String {
            let rounded = (value * 10).rounded() / 10
            if rounded == rounded.rounded() { return String(Int64(rounded)) }
            return String(format: "%.1f", rounded)
        }
        var values = (-20_000...20_000).map { Double($0) / 100 } + [0.05, 0.15, 0.25, 0.35, -0.05, -0.25, 1e-9, -1e-9]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            // A fixed sequence (xorshift) over magnitudes up to 2^45, past the fast path's 2^40.
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            let magnitude = Double(1 << (state % 46))
            values.append((Double(state >> 11) / Double(1 << 53) - 0.5) * 2 * magnitude)
        }
        for value in values where HumanFormat.decimal(value) != reference(value) {
            Issue.record("\(value): \(HumanFormat.decimal(value)) != \(reference(value))")
        }
    }
}
