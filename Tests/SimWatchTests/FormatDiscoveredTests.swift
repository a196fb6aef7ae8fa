import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig
@testable import SimWatchCore

/// `device_discovered` in every format: named as such, the ICCID and status shown, the
/// listed texts escaped like any text from Control Center.
@Suite struct FormatDiscoveredTests {
    typealias F = FormatFixtures

    @Test(arguments: WebhookFormat.allCases)
    func everyFormatNamesTheDiscovery(format: WebhookFormat) throws {
        let formatter = try F.settings(format).settings.formatter()
        let payloads = try formatter.payloads(for: [F.discovered])
        #expect(payloads.count == 1)
        let payload = try #require(payloads.first)
        // ntfy names the event in its Title header, the body being the text under it.
        let body = F.text(payload) + payload.headers.filter { $0.name == "Title" }.map { "\n" + $0.value }.joined()
        #expect(body.contains("8988216716970004976"))
        // Markdown formats escape the underscore.
        #expect(body.contains("TEST_READY") || body.contains(#"TEST\\_READY"#))
        let named = body.contains("Device discovered") || body.contains("device_discovered")
            || body.contains("SimwatchDeviceDiscovered")
        #expect(named, "\(format): \(body)")
        // Machine formats carry the text as data; chat formats must not let it mention anyone.
        if format.takesTemplate {
            #expect(!body.contains("<!channel>"), "\(format): a listed plan name must not mention the channel")
        }
    }

    @Test func chatFormatsTitleIt() {
        #expect(AlertText.title(of: F.discovered) == "Device discovered")
        #expect(AlertText.headline(of: F.discovered) == "🔵 Device discovered")
    }
}
