import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore

/// `fleet:`: defaults, optional devices with discovery, and every error with its position.
@Suite struct ConfigFleetTests {
    static let controlCenterOnly = """
        control_center:
          base_url: https://cc.example.com
          username: apiuser
          api_key_env: SIMWATCH_API_KEY

        """

    @Test func defaultsAreOffWithoutDiscovery() throws {
        let fleet = try loadedConfig(minimalYAML).config.fleet
        #expect(fleet == FleetSettings(discover: false, accountID: nil, usageStatuses: ["ACTIVATED", "TEST_READY"], changesEvery: .zero))
        #expect(!fleet.feedIsOn && !fleet.usesSearchDevices)
    }

    @Test func discoveryAloneWatchesTheAccountWithAFeedEveryMinute() throws {
        let config = try loadedConfig(Self.controlCenterOnly + "fleet: {discover: true}\n").config
        #expect(config.devices.isEmpty)
        #expect(config.fleet == FleetSettings(discover: true, changesEvery: .seconds(60)))
        #expect(config.summary().contains(
            "Fleet: discovery on: every SIM of the account is watched; discovered SIMs with status ACTIVATED, TEST_READY "
                + "are usage-polled; change feed every 1m"))
    }

    @Test func everyKey() throws {
        let yaml = minimalYAML + """
            fleet:
              discover: true
              account_id: 100020620
              usage_statuses: [ACTIVATED, SOMETHING_NEW]
              changes_every: 30s
            """
        let fleet = try loadedConfig(yaml).config.fleet
        #expect(fleet == FleetSettings(discover: true, accountID: "100020620", usageStatuses: ["ACTIVATED", "SOMETHING_NEW"],
                                       changesEvery: .seconds(30)))
        let off = try loadedConfig(minimalYAML + "fleet: {discover: true, changes_every: 0s, usage_statuses: []}\n").config.fleet
        #expect(off.discover && !off.feedIsOn && off.usesSearchDevices && off.usageStatuses.isEmpty)
        let feedOnly = try loadedConfig(minimalYAML + "fleet: {changes_every: 2m}\n").config.fleet
        #expect(!feedOnly.discover && feedOnly.changesEvery == .seconds(120))
    }

    @Test func feedCallsPerInterval() {
        #expect(FleetSettings(discover: true).feedCalls(per: .seconds(900)) == 15)
        #expect(FleetSettings(discover: true, changesEvery: .seconds(7)).feedCalls(per: .seconds(60)) == 9)
        #expect(FleetSettings().feedCalls(per: .seconds(900)) == 0)
        #expect(FleetSettings(changesEvery: .seconds(1)).feedCalls(per: .seconds(7 * 86_400)) == 604_800)
        #expect(FleetSettings(changesEvery: .seconds(1)).feedCalls(per: .zero) == 0)
    }

    @Test func withoutDiscoveryDevicesAreStillRequired() {
        expectSingleIssue(Self.controlCenterOnly + "fleet: {discover: false}\n", line: 1, column: 1, keyPath: "devices",
                          message: "devices")
    }

    @Test(arguments: [
        ("fleet:\n  discover: yes\n", 7, 13, "fleet.discover", "expected true or false; got \"yes\""),
        ("fleet:\n  account_id: abc\n", 7, 15, "fleet.account_id", "expected an account id of 1 to 20 digits"),
        ("fleet:\n  account_id: \"123456789012345678901\"\n", 7, 15, "fleet.account_id", "1 to 20 digits"),
        ("fleet:\n  usage_statuses: ACTIVATED\n", 7, 19, "fleet.usage_statuses", "expected a list"),
        ("fleet:\n  usage_statuses: [ACTIVATED, ACTIVATED]\n", 7, 31, "fleet.usage_statuses[1]", "listed twice"),
        ("fleet:\n  usage_statuses: [\"ACTI VATED\"]\n", 7, 20, "fleet.usage_statuses[0]", "visible ASCII"),
        ("fleet:\n  usage_statuses: [[A]]\n", 7, 20, "fleet.usage_statuses[0]", "expected a status name"),
        ("fleet:\n  changes_every: 500ms\n", 7, 18, "fleet.changes_every", "must be 0s (off) or at least 1s"),
        ("fleet:\n  changes_every: 2d\n", 7, 18, "fleet.changes_every", "must be at most 1d"),
        ("fleet:\n  changes_every: soon\n", 7, 18, "fleet.changes_every", "expected a duration"),
        ("fleet:\n  changes_every: 99999999999999999999d\n", 7, 18, "fleet.changes_every", "too large"),
        ("fleet:\n  discovery: true\n", 7, 3, "fleet.discovery", "did you mean \"discover\"?"),
        ("fleet: true\n", 6, 8, "fleet", "expected a mapping"),
        ("changes_every: 1m\n", 6, 1, "changes_every", "did you mean \"fleet.changes_every\"?"),
    ])
    func errorsNameTheirPosition(_ extra: String, line: Int, column: Int, keyPath: String, message: String) {
        expectSingleIssue(minimalYAML + extra, line: line, column: column, keyPath: keyPath, message: message)
    }
}
