import CurlHTTP
import Foundation
import Simulator
import Testing

@Suite(.serialized) struct OnceTests {
    @Test func baselineThenOneStatusChangeThenNothing() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let first = try await fixture.once()
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(await fixture.sink.requests.isEmpty)

        // Through the control API, as a script would.
        var candidates: [(String, String)] = []
        for iccid in fixture.iccids {
            if let status = await fixture.simulator.device(iccid)?.status, status != "DEACTIVATED" {
                candidates.append((iccid, status))
            }
        }
        let (iccid, before) = try #require(candidates.first)
        let name = "unit-\(try #require(fixture.iccids.firstIndex(of: iccid)) + 1)"
        let http = CurlHTTPClient()
        let patch = try await http.execute(HTTPRequest(
            method: "PATCH", url: "\(await fixture.simulator.baseURL)/_sim/devices/\(iccid)",
            headers: [("Content-Type", "application/json")], body: Data(#"{"status":"DEACTIVATED"}"#.utf8)))
        #expect(patch.status == 200)

        let second = try await fixture.once()
        #expect(second.status == 0)
        let events = try await fixture.deliveredEvents()
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.kind == .statusChanged)
        #expect(event.severity == .critical)
        #expect(event.iccid == iccid)
        #expect(event.deviceName == name)
        #expect(event.labels == ["site": "lab"])
        #expect(event.previous == .string(before))
        #expect(event.current == .string("DEACTIVATED"))
        #expect(second.stderr.contains("kind=status_changed"))
        #expect(second.stderr.contains("iccid=\(iccid)"))

        let third = try await fixture.once()
        #expect(third.status == 0)
        #expect(await fixture.sink.requests.count == 1)
        for output in [first, second, third] {
            #expect(!output.stderr.contains(Fixture.apiKey) && !output.stderr.contains("CANARY-HOOK-TOKEN"))
        }
    }

    @Test func garbageStateIsSetAsideAndReported() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        try fixture.folder.write("state.json", "this is not json {{{")
        let run = try await fixture.once()
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let corrupt = fixture.folder.files().filter { $0.hasPrefix("state.json.corrupt-") }
        #expect(corrupt.count == 1)
        #expect(fixture.folder.read(try #require(corrupt.first)) == "this is not json {{{")
        let kinds = try await fixture.deliveredEvents().map(\.kind)
        #expect(kinds == [.stateReset])
        #expect(try fixture.state().devices.count == 3)
    }

    @Test func rejectedCredentialsFailTheCycleOnceThenRecover() async throws {
        let fixture = try await Fixture.start(devices: 5)
        defer { Task { await fixture.stop() } }
        #expect(try await fixture.once().status == 0)
        await fixture.simulator.injectFault(fault: .invalidCredentials)
        let failed = try await fixture.once()
        #expect(failed.status == 1)
        // The cycle stops at the first 401: no hammering.
        let requests = await fixture.simulator.requests().filter { $0.iccid != nil }
        #expect(requests.count <= 5 + 2)
        let again = try await fixture.once()
        #expect(again.status == 1)
        await fixture.simulator.clearFaults()
        #expect(try await fixture.once().status == 0)
        let kinds = try await fixture.deliveredEvents().map(\.kind)
        #expect(kinds == [.pollFailed, .pollRecovered])
    }
}
