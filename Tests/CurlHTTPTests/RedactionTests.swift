import CCurl
@testable import CurlHTTP
import Testing

@Suite struct RedactionTests {
    private let hookURL = "https://hooks.example.com/services/T000/B000/XXsecretTOKEN?sig=abcdef123456#frag"

    @Test func keepsOnlySchemeAndHost() {
        let url = RedactedURL(hookURL)
        #expect(url.scheme == "https")
        #expect(url.host == "hooks.example.com")
        #expect(url.origin == "https://hooks.example.com")
    }

    @Test func scrubsPathQueryAndTokensFromMessages() {
        let url = RedactedURL(hookURL, password: "hunter2-key")
        let message = url.scrub(
            "GET \(hookURL) failed; path /services/T000/B000/XXsecretTOKEN, token XXsecretTOKEN, sig=abcdef123456, auth hunter2-key")
        #expect(!message.contains("XXsecretTOKEN"))
        #expect(!message.contains("abcdef123456"))
        #expect(!message.contains("hunter2-key"))
        #expect(!message.contains("/services"))
        #expect(message.contains("hooks.example.com"))
    }

    @Test func scrubsJSONEscapedAndPercentEncodedForms() {
        let url = RedactedURL(hookURL, secrets: ["api-key-0123"])
        let echoed = #"{"error":"bad","url":"https:\/\/hooks.example.com\/services\/T000\/B000\/XXsecretTOKEN","q":"https%3A%2F%2Fhooks.example.com%2Fservices%2FT000%2FB000%2FXXsecretTOKEN","k":"api%2Dkey%2D0123 api-key-0123"}"#
        let message = url.scrub(echoed)
        #expect(!message.contains("XXsecretTOKEN"))
        #expect(!message.contains("services"))
        #expect(!message.contains("api-key-0123"))
        #expect(message.contains("bad"))
    }

    @Test func excerptIsOneScrubbedPrintableLine() {
        let url = RedactedURL(hookURL, secrets: ["hunter2-key"])
        let body = Array("line one\nkey hunter2-key\u{1B}[31m red\r\ntoken XXsecretTOKEN".utf8)
        let excerpt = url.excerpt(body)
        #expect(excerpt == "line one key <redacted>[31m red token <redacted>")
    }

    @Test func excerptScrubsBeforeCuttingAndMarksTheCut() {
        let url = RedactedURL(hookURL, secrets: ["hunter2-key"])
        let body = Array((String(repeating: "a", count: 195) + "hunter2-key and more").utf8)
        let excerpt = url.excerpt(body, limit: 200)
        #expect(!excerpt.contains("hunter"))
        #expect(excerpt.hasSuffix("…"))
        #expect(excerpt.utf8.count <= 200 + "…".utf8.count)
    }

    @Test func aControlCharacterSplittingASecretDoesNotRebuildIt() {
        let url = RedactedURL(hookURL, secrets: ["hunter2-key"])
        #expect(!url.excerpt(Array("key hunter2\u{01}-key".utf8)).contains("hunter2"))
        // Invalid UTF-8 makes the body ISO-8859-1, where 0x85 is a C1 control.
        #expect(!url.excerpt(Array("token XXsecret".utf8) + [0x85] + Array("TOKEN".utf8)).contains("XXsecretTOKEN"))
    }

    @Test func excerptReadsISO88591() {
        let url = RedactedURL("https://rws.example.com")
        #expect(url.excerpt([0x43, 0x61, 0x66, 0xE9]) == "Café")
    }

    @Test func cutsOtherURLsBackToTheirHost() {
        let message = RedactedURL.truncatingEmbeddedURLs(
            "redirect to https://user:pw@other.example.org:8443/p/secret?q=1 refused")
        #expect(message == "redirect to https://other.example.org:8443 refused")
    }

    @Test func unresolvableHostNamesOnlyTheHost() {
        let error = CurlErrorMapping.error(
            for: CURLE_COULDNT_RESOLVE_HOST,
            detail: "Could not resolve host: hooks.example.com",
            url: RedactedURL(hookURL),
            timeout: .seconds(10), connectTimeout: .seconds(5), maxResponseBytes: 1 << 20, bodyLimitExceeded: false)
        #expect(error == .hostNotResolved("hooks.example.com"))
    }

    @Test func connectTimeoutIsReportedAsSuch() {
        let error = CurlErrorMapping.error(
            for: CURLE_OPERATION_TIMEDOUT,
            detail: "Connection timed out after 5001 milliseconds",
            url: RedactedURL(hookURL),
            timeout: .seconds(10), connectTimeout: .seconds(5), maxResponseBytes: 1 << 20, bodyLimitExceeded: false)
        #expect(error == .timedOut(after: .seconds(5)))
    }

    @Test func otherFailuresKeepCodeAndScrubbedMessage() {
        let error = CurlErrorMapping.error(
            for: CURLE_PEER_FAILED_VERIFICATION,
            detail: "SSL certificate problem for \(hookURL): self-signed certificate",
            url: RedactedURL(hookURL),
            timeout: .seconds(10), connectTimeout: .seconds(5), maxResponseBytes: 1 << 20, bodyLimitExceeded: false)
        guard case let .transport(code, message) = error else {
            Issue.record("expected transport, got \(error)")
            return
        }
        #expect(code == Int(CURLE_PEER_FAILED_VERIFICATION.rawValue))
        #expect(message.contains("self-signed certificate"))
        #expect(message.hasPrefix("https://hooks.example.com:"))
        #expect(!message.contains("XXsecretTOKEN"))
    }

    @Test(arguments: ["http://exa mple.com/secretpath123", "http://[::1/secretpath123", "not a url secretpath123"])
    func malformedURLsAreInvalidWithoutEchoingThem(url: String) async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let error = await #expect(throws: HTTPClientError.self) { try await client.execute(HTTPRequest(url: url)) }
        guard case .invalidURL? = error else {
            Issue.record("expected invalidURL, got \(String(describing: error))")
            return
        }
        #expect(!String(describing: error!).contains("secretpath123"))
    }
}
