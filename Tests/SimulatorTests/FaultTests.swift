import Foundation
@testable import Simulator
import Testing

@Suite("Injected faults")
struct FaultTests {
    static func get(_ base: String, _ iccid: String) async throws -> TestResponse {
        try await TestHTTP.send(ControlCenterAPITests.usageURL(base, iccid), authorization: TestHTTP.demoAuth)
    }

    @Test func statusFaultServesTheGivenStatusAndBody() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            await simulator.injectFault(iccid: iccid, fault: .status(503, body: #"{"errorMessage":"busy"}"#))
            let response = try await Self.get(base, iccid)
            #expect(response.status == 503)
            #expect(response.text == #"{"errorMessage":"busy"}"#)
        }
    }

    @Test func htmlFaultServesAnHTMLPage() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            await simulator.injectFault(iccid: iccid, fault: .html(status: 502))
            let response = try await Self.get(base, iccid)
            #expect(response.status == 502)
            #expect(response.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(response.text.contains("Bad Gateway"))
        }
    }

    @Test func truncatedFaultServesBrokenJSONWithStatus200() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            await simulator.injectFault(iccid: iccid, fault: .truncatedJSON)
            let response = try await Self.get(base, iccid)
            #expect(response.status == 200)
            #expect(response.text.hasPrefix(#"{"iccid":"\#(iccid)""#))
            #expect((try? JSONSerialization.jsonObject(with: response.body)) == nil)
        }
    }

    @Test func rateLimitedFaultSendsRetryAfter() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            await simulator.injectFault(iccid: iccid, fault: .rateLimited(retryAfterSeconds: 3), count: 1)
            await simulator.injectFault(iccid: iccid, fault: .rateLimited(retryAfterSeconds: nil), count: 1)
            let withoutHeader = try await Self.get(base, iccid)
            #expect(withoutHeader.status == 429)
            #expect(withoutHeader.header("Retry-After") == nil)
            let withHeader = try await Self.get(base, iccid)
            #expect(withHeader.status == 429)
            #expect(withHeader.header("Retry-After") == "3")
        }
    }

    @Test func serverErrorFaultUsesCode30000001() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            await simulator.injectFault(iccid: nil, fault: .serverError)
            let response = try await Self.get(base, iccid)
            #expect(response.status == 500)
            #expect(response.text == #"{"errorMessage":"Unknown server error.","errorCode":"30000001"}"#)
        }
    }

    @Test func invalidCredentialsFaultRejectsGoodCredentials() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            await simulator.injectFault(iccid: nil, fault: .invalidCredentials)
            let response = try await Self.get(base, iccid)
            #expect(response.status == 401)
            #expect(try response.json()["errorCode"] as? String == "10000001")
        }
    }

    @Test func latin1FaultIsEncodedInISO88591() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            await simulator.injectFault(iccid: iccid, fault: .latin1Error)
            let response = try await Self.get(base, iccid)
            #expect(response.status == 401)
            #expect(response.header("Content-Type") == "application/json; charset=ISO-8859-1")
            #expect(response.body.contains(0xFC))
            #expect(String(data: response.body, encoding: .utf8) == nil)
            let text = try #require(String(data: response.body, encoding: .isoLatin1))
            #expect(text.contains("Ung\u{FC}ltige Anmeldedaten"))
        }
    }

    @Test func countLimitedFaultsExpireAndStayOnTheirDevice() async throws {
        try await withSimulator { simulator, base in
            let iccids = await simulator.iccids
            await simulator.injectFault(iccid: iccids[0], fault: .serverError, count: 2)
            let other = try await Self.get(base, iccids[1]).status
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(try await Self.get(base, iccids[0]).status) }
            #expect(other == 200)
            #expect(statuses == [500, 500, 200])
            #expect(await simulator.faults.isEmpty)
        }
    }

    @Test func clearFaultsRestoresNormalAnswers() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            await simulator.injectFault(iccid: nil, fault: .html(status: 404))
            let faulty = try await Self.get(base, iccid).status
            await simulator.clearFaults()
            let cleared = try await Self.get(base, iccid).status
            #expect(faulty == 404)
            #expect(cleared == 200)
        }
    }

    @Test func delayCombinesWithAnotherFault() async throws {
        try await withSimulator { simulator, base in
            let iccid = try #require(await simulator.iccids.first)
            await simulator.injectFault(iccid: iccid, fault: .delay(.milliseconds(100)), count: 1)
            await simulator.injectFault(iccid: iccid, fault: .serverError, count: 1)
            let response = try await Self.get(base, iccid)
            #expect(response.status == 500)
            let record = try #require(await simulator.requests().last)
            #expect(record.faults == ["delay", "server_error"])
            #expect(record.duration >= .milliseconds(100))
        }
    }
}
