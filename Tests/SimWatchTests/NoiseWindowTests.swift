import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore

/// Maintenance windows: a pure function of the window and the instant, in the window's time zone.
@Suite("Noise: maintenance windows")
struct NoiseWindowTests {
    static func at(_ text: String) -> Date {
        Array(text.utf8).withUnsafeBufferPointer { Timestamp.parse($0) }!
    }

    static func window(_ days: Set<Weekday>, _ from: String, _ to: String, _ zone: String) -> MaintenanceWindow {
        MaintenanceWindow(
            name: "w", match: EventMatch(), days: days,
            from: try! ConfigNoise.clockTime(from, allowEndOfDay: false), to: try! ConfigNoise.clockTime(to, allowEndOfDay: true),
            timeZone: TimeZone(identifier: zone)!)
    }

    // 2026-11-28 is a Saturday; Europe/Berlin is UTC+1 in winter.
    @Test("weekly windows, crossing midnight, in their time zone", arguments: [
        // Same day, Berlin 02:00–04:00 on Saturdays.
        ([Weekday.sat], "02:00", "04:00", "Europe/Berlin", "2026-11-28T00:59:59Z", false),
        ([.sat], "02:00", "04:00", "Europe/Berlin", "2026-11-28T01:00:00Z", true),
        ([.sat], "02:00", "04:00", "Europe/Berlin", "2026-11-28T02:59:59Z", true),
        ([.sat], "02:00", "04:00", "Europe/Berlin", "2026-11-28T03:00:00Z", false),
        ([.sun], "02:00", "04:00", "Europe/Berlin", "2026-11-28T01:30:00Z", false),
        // Crossing midnight belongs to the day it starts on: Friday 22:00 to Saturday 02:00 UTC.
        ([.fri], "22:00", "02:00", "UTC", "2026-11-27T21:59:00Z", false),
        ([.fri], "22:00", "02:00", "UTC", "2026-11-27T23:30:00Z", true),
        ([.fri], "22:00", "02:00", "UTC", "2026-11-28T01:59:59Z", true),
        ([.fri], "22:00", "02:00", "UTC", "2026-11-28T02:00:00Z", false),
        // Saturday night is not Friday's window.
        ([.fri], "22:00", "02:00", "UTC", "2026-11-28T23:00:00Z", false),
        // Sunday's window crosses into Monday (the week wraps).
        ([.sun], "23:00", "01:00", "UTC", "2026-11-30T00:30:00Z", true),
        // A whole day.
        ([.sat], "00:00", "24:00", "UTC", "2026-11-28T23:59:59Z", true),
        ([.sat], "00:00", "24:00", "UTC", "2026-11-29T00:00:00Z", false),
        // Spring forward (Berlin, 2026-03-29, 02:00 -> 03:00): 02:00-04:00 opens at 03:00 local = 01:00Z.
        ([.sun], "02:00", "04:00", "Europe/Berlin", "2026-03-29T00:59:59Z", false),
        ([.sun], "02:00", "04:00", "Europe/Berlin", "2026-03-29T01:00:00Z", true),
        ([.sun], "02:00", "04:00", "Europe/Berlin", "2026-03-29T01:59:59Z", true),
        ([.sun], "02:00", "04:00", "Europe/Berlin", "2026-03-29T02:00:00Z", false),
        // Fall back (2026-10-25, 03:00 -> 02:00): 02:00 local happens twice, the window spans 3 real hours.
        ([.sun], "02:00", "04:00", "Europe/Berlin", "2026-10-25T00:00:00Z", true),
        ([.sun], "02:00", "04:00", "Europe/Berlin", "2026-10-25T01:30:00Z", true),
        ([.sun], "02:00", "04:00", "Europe/Berlin", "2026-10-25T02:59:59Z", true),
        ([.sun], "02:00", "04:00", "Europe/Berlin", "2026-10-25T03:00:00Z", false),
        // New York, crossing midnight over the US spring change (2026-03-08).
        ([.sat], "23:00", "03:00", "America/New_York", "2026-03-08T04:30:00Z", true),
        ([.sat], "23:00", "03:00", "America/New_York", "2026-03-08T06:59:59Z", true),
        ([.sat], "23:00", "03:00", "America/New_York", "2026-03-08T07:00:00Z", false),
    ] as [(Set<Weekday>, String, String, String, String, Bool)])
    func active(_ days: Set<Weekday>, _ from: String, _ to: String, _ zone: String, _ instant: String, _ expected: Bool) {
        #expect(Self.window(days, from, to, zone).isActive(at: Self.at(instant)) == expected)
    }

    @Test func windowsLoadWithDefaultsAndTheirPositionsInErrors() throws {
        let loaded = try loadedConfig(minimalYAML + """
            maintenance:
              - { name: nightly, match: { label.site: berlin }, days: [sat, sun], from: "02:00", to: "04:00", timezone: Europe/Berlin }
              - { name: always, match: {}, from: "00:00", to: "24:00" }
            """)
        let windows = loaded.config.maintenance
        #expect(windows.map(\.name) == ["nightly", "always"])
        #expect(windows[0].days == [.sat, .sun] && windows[0].from == 7200 && windows[0].to == 14_400)
        #expect(windows[0].timeZone.identifier == "Europe/Berlin")
        #expect(windows[1].days == Set(Weekday.allCases) && windows[1].timeZone.secondsFromGMT() == 0)

        expectSingleIssue(minimalYAML + """
            maintenance:
              - { name: a, match: {}, days: [saturday], from: "02:00", to: "04:00" }
            """, line: 7, column: 34, keyPath: "maintenance[0].days[0]", message: "expected one of mon, tue")
        expectSingleIssue(minimalYAML + """
            maintenance:
              - { name: a, match: {}, from: "2:00", to: "04:00" }
            """, line: 7, column: 33, keyPath: "maintenance[0].from", message: "expected a time HH:MM")
        expectSingleIssue(minimalYAML + """
            maintenance:
              - { name: a, match: {}, from: "02:00", to: "02:00" }
            """, line: 7, column: 46, keyPath: "maintenance[0].to", message: "the same time")
        expectSingleIssue(minimalYAML + """
            maintenance:
              - { name: a, match: {}, from: "02:00", to: "04:00", timezone: Mars/Olympus }
            """, line: 7, column: 65, keyPath: "maintenance[0].timezone", message: "IANA time zone")
        expectSingleIssue(minimalYAML + """
            maintenance:
              - { name: a, from: "02:00", to: "04:00" }
            """, line: 7, column: 5, keyPath: "maintenance[0].match", message: "missing required key")
        expectSingleIssue(minimalYAML + """
            maintenance:
              - { name: a, match: {}, from: "02:00", to: "04:00", hours: 2 }
            """, line: 7, column: 55, keyPath: "maintenance[0].hours", message: "unknown key")
    }

    @Test func flappingIsOnByDefaultAndOffDisablesIt() throws {
        #expect(try loadedConfig(minimalYAML).config.flapping == FlappingSettings(changes: 4, within: .seconds(3600)))
        #expect(try loadedConfig(minimalYAML + "flapping: off\n").config.flapping == nil)
        let custom = try loadedConfig(minimalYAML + "flapping: { changes: 6, within: 10m }\n").config.flapping
        #expect(custom == FlappingSettings(changes: 6, within: .seconds(600)))
        expectSingleIssue(minimalYAML + "flapping: { changes: 1 }\n", line: 6, column: 22, keyPath: "flapping.changes",
                          message: "must be at least 2")
    }

    @Test func theSilencesFileDefaultsToTheStateFilesFolder() throws {
        let config = try loadedConfig(minimalYAML + "state_file: /var/lib/simwatch/state.json\n").config
        #expect(config.silencesPath == "/var/lib/simwatch/silences.json")
        let relative = try loadedConfig(minimalYAML + "silences_file: quiet.json\n", path: "/etc/simwatch/simwatch.yaml").config
        #expect(relative.silencesPath == "/etc/simwatch/quiet.json")
    }
}
