import Foundation
import Testing
@testable import SimWatch

@Suite struct StatusReportTests {
    @Test func columnsAlignAndTheLastIsNotPadded() {
        #expect(alignedTable([["ICCID", "NAME", "REASON"], ["8988", "truck-17", "HTTP 404"], ["1", "-", "x"]]) == """
            ICCID  NAME      REASON
            8988   truck-17  HTTP 404
            1      -         x
            """)
    }

    @Test func deviceTableShowsUsageInHumanUnitsWithShareOfPlan() {
        let config = Config(
            path: "t.yaml",
            controlCenter: ControlCenterSettings(baseURL: "https://cc.example.com", username: "u", apiKey: Secret("k")),
            stateFile: "/nonexistent", devices: [DeviceEntry(iccid: "8988216716970004975", name: "truck-17")],
            plans: ["iot-1GB": PlanAllowance(data: 1_000_000_000)])
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var state = PersistentState()
        state.devices["8988216716970004975"] = DeviceRecord(
            last: DeviceUsage(iccid: "8988216716970004975", status: "ACTIVATED", ratePlan: "iot-1GB",
                              ctdDataUsage: 812_300_000, ctdSMSUsage: 3, ctdVoiceUsage: 125, overageLimitReached: false),
            observedAt: now.addingTimeInterval(-90), observation: 4,
            thresholds: ThresholdState(fired: ["data>=80%"]))
        let lines = StatusReport(config: config, state: state).table(now: now).split(separator: "\n")
        #expect(lines[0] == "ICCID                NAME      STATUS     DATA              SMS  VOICE  OVERAGE  OBSERVED    THRESHOLDS")
        #expect(lines[1] == "8988216716970004975  truck-17  ACTIVATED  812.3 MB (81.2%)  3    2m 5s  no       1m 30s ago  data>=80%")
    }
}
