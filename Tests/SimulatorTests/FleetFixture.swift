import Foundation
@testable import Simulator
import Testing

/// A simulator whose usage and modification dates both move only on `clock`.
struct FleetFixture {
    /// The simulator's date at creation: generated devices were modified up to a year before.
    static let origin = Date(timeIntervalSince1970: 1_800_000_000)
    static let wholeAccount = "modifiedSince=2000-01-01T00:00:00%2B00:00"

    let clock: ManualClock
    let simulator: ControlCenterSimulator
    let base: String

    /// GET /rws/api/v1/devices with `query` (already percent-encoded).
    func search(_ query: String, authorization: String? = TestHTTP.demoAuth) async throws -> TestResponse {
        try await TestHTTP.send("\(base)/rws/api/v1/devices?\(query)", authorization: authorization)
    }

    /// Every ICCID of a page answer, in order, and its `lastPage`.
    func listed(_ query: String) async throws -> (iccids: [String], lastPage: Bool, pageNumber: Int?) {
        let response = try await search(query)
        #expect(response.status == 200, "\(response.text)")
        let page = try response.json()
        let devices = try #require(page["devices"] as? [[String: Any]])
        return (devices.compactMap { $0["iccid"] as? String }, try #require(page["lastPage"] as? Bool),
                page["pageNumber"] as? Int)
    }

    /// Pages through a whole listing, as the daemon will.
    func listAll(_ query: String, pageSize: Int = 50) async throws -> (iccids: [String], pages: Int) {
        var all: [String] = []
        var number = 1
        while number < 10_000 {
            let page = try await listed("\(query)&pageSize=\(pageSize)&pageNumber=\(number)")
            all += page.iccids
            if page.lastPage { return (all, number) }
            number += 1
        }
        Issue.record("no last page after 10,000 pages")
        return (all, number)
    }

    /// ISO 8601 with the given offset from UTC in minutes, `+` percent-encoded.
    static func encoded(_ date: Date, offsetMinutes: Int = 0) -> String {
        text(date, offsetMinutes: offsetMinutes).replacingOccurrences(of: "+", with: "%2B")
    }

    static func text(_ date: Date, offsetMinutes: Int = 0) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: offsetMinutes * 60)
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
        return formatter.string(from: date)
    }
}

/// Starts a fleet simulator on a free port for one test and always stops it.
func withFleet<R>(
    deviceCount: Int = 120, mix: SimulatedUsageMix? = nil,
    _ body: (FleetFixture) async throws -> R
) async throws -> R {
    let clock = ManualClock()
    let simulator = ControlCenterSimulator(
        deviceCount: deviceCount, clock: .manual(clock), dateClock: .manual(clock, origin: FleetFixture.origin),
        usageMix: mix
    )
    try await simulator.start()
    let fixture = FleetFixture(clock: clock, simulator: simulator, base: await simulator.baseURL)
    do {
        let result = try await body(fixture)
        await simulator.stop()
        return result
    } catch {
        await simulator.stop()
        throw error
    }
}
