import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchState

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
        let report = StatusReport(config: config, state: state, now: now)
        let lines = report.table(now: now).split(separator: "\n")
        #expect(lines[0] == "ICCID                NAME      STATUS     DATA              SMS  VOICE  OVERAGE  CYCLE          OBSERVED    NEXT POLL   THRESHOLDS")
        #expect(lines[1] == "8988216716970004975  truck-17  ACTIVATED  812.3 MB (81.2%)  3    2m 5s  no       46% to 31 Jan  1m 30s ago  in 13m 30s  data>=80%")
        #expect(report.rows[0].cycleProgressPercent == 46.2)
    }

    @Test func withDiscoveryTheInventorysPolledSIMsAreListedAfterTheConfiguredOnes() {
        var config = Config(
            path: "t.yaml",
            controlCenter: ControlCenterSettings(baseURL: "https://cc.example.com", username: "u", apiKey: Secret("k")),
            stateFile: "/nonexistent", devices: [DeviceEntry(iccid: "8988216716970004975", name: "truck-17")])
        config.fleet = FleetSettings(discover: true)
        var state = PersistentState()
        state.inventory["8988216716970000002"] = InventoryEntry(status: "ACTIVATED", ratePlan: "iot-1GB")
        state.inventory["8988216716970000001"] = InventoryEntry(status: "TEST_READY")
        state.inventory["8988216716970000003"] = InventoryEntry(status: "DEACTIVATED")
        let rows = StatusReport(config: config, state: state).rows
        #expect(rows.map(\.iccid) == ["8988216716970004975", "8988216716970000001", "8988216716970000002"])
        #expect(rows[2].status == "ACTIVATED", "not polled yet: as listed")
        #expect(rows[2].ratePlan == "iot-1GB")
        #expect(rows[2].observedAt == nil)
    }
}

/// Remote text never reaches the terminal with its control characters.
@Suite struct StatusReportTerminalSafetyTests {
    static let iccid = "8988216716970004975"

    static func config(name: String = "truck-17") -> Config {
        Config(
            path: "t.yaml",
            controlCenter: ControlCenterSettings(baseURL: "https://cc.example.com", username: "u", apiKey: Secret("k")),
            stateFile: "/nonexistent", devices: [DeviceEntry(iccid: iccid, name: name)])
    }

    @Test func anANSIEscapeInAStatusIsStrippedFromTheTable() {
        var state = PersistentState()
        state.devices[Self.iccid] = DeviceRecord(
            last: DeviceUsage(iccid: Self.iccid, status: "ACTIVATED\u{1B}[2J\u{1B}]0;pwned\u{07}", ratePlan: "iot\u{9B}31m-1GB",
                              ctdDataUsage: 1, ctdSMSUsage: 0, ctdVoiceUsage: 0, overageLimitReached: false),
            observedAt: Date(), observation: 1)
        let table = StatusReport(config: Self.config(name: "truck\u{7F}-17\r"), state: state).table()
        #expect(!table.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(!table.unicodeScalars.contains { (0x7F...0x9F).contains($0.value) })
        #expect(table.contains("ACTIVATED[2J]0;pwned"))
        #expect(table.contains("truck-17"))
        // The layout's own line breaks stay: header, row, blank line, summary.
        #expect(table.split(separator: "\n", omittingEmptySubsequences: false).count == 4)
    }

    @Test func deadLetterReasonsAreStrippedToo() {
        var state = PersistentState()
        let event = Event(id: "abc", kind: .statusChanged, severity: .warning, iccid: Self.iccid,
                          observedAt: Date(timeIntervalSince1970: 1_800_000_000), summary: "s")
        state.deadLetters = [DeadLetter(event: event, webhook: "ops\u{1B}[31m", reason: "HTTP 400: \u{1B}[1A\u{1B}[2Kbad\npayload\u{202E}gnp.exe",
                                        at: Date(timeIntervalSince1970: 1_800_000_000))]
        let table = DeadLetterReport(state: state).table()
        #expect(!table.contains("\u{1B}"))
        #expect(!table.contains("\u{202E}"))
        #expect(table.contains("HTTP 400: [1A[2Kbadpayloadgnp.exe"))
    }

    @Test func anAbsurdObservationDateDoesNotTrap() {
        var state = PersistentState()
        state.devices[Self.iccid] = DeviceRecord(
            last: DeviceUsage(iccid: Self.iccid, status: "ACTIVATED", ratePlan: nil, ctdDataUsage: 1, ctdSMSUsage: 0,
                              ctdVoiceUsage: 0, overageLimitReached: nil),
            observedAt: Date(timeIntervalSince1970: -1e300), observation: 1)
        state.health.lastSuccessfulCycleAt = Date(timeIntervalSince1970: -1e300)
        let table = StatusReport(config: Self.config(), state: state).table(now: Date(timeIntervalSince1970: 1e300))
        #expect(table.contains("ago"))
    }
}

@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("plain", "plain"), ("a\u{1B}[31mred\u{1B}[0m", "a[31mred[0m"), ("\u{00}\u{01}\u{1F}x", "x"),
        ("del\u{7F}", "del"), ("c1\u{85}\u{9B}\u{9F}", "c1"), ("tab\there", "tabhere"), ("line\u{2028}sep", "linesep"),
        ("bidi\u{202E}txt.exe\u{2066}\u{2069}", "biditxt.exe"), ("", ""), ("émoji 🚚 ok", "émoji 🚚 ok"),
    ])
    func stripsControlCharacters(_ input: String, _ expected: String) {
        #expect(TerminalText.clean(input) == expected)
    }

    @Test func keepsNewlinesOnlyWhenAsked() {
        #expect(TerminalText.clean("a\nb\r\n") == "ab")
        #expect(TerminalText.clean("a\nb\r\n", keepNewlines: true) == "a\nb\n")
    }
}
