@testable import CurlHTTP
import Foundation
import Testing

/// Which requests an easy handle set up for another may carry after a new URL alone.
@Suite struct RequestShapeTests {
    static let auth = BasicAuth(username: "apiuser", password: "s3cret")
    static let base = HTTPRequest(
        url: "https://api.example.com/rws/api/v1/devices/1/ctdUsages", headers: [("Accept", "application/json")],
        basicAuth: auth, timeout: .seconds(30), connectTimeout: .seconds(5), maxResponseBytes: 65_536)

    static func changed(_ change: (inout HTTPRequest) -> Void) -> HTTPRequest {
        var request = base
        change(&request)
        return request
    }

    static let cases: [(String, HTTPRequest, Bool)] = [
        ("another URL of the scheme", changed { $0.url = "https://other.example.com/rws/api/v1/devices/2/ctdUsages" }, true),
        ("the same request", base, true),
        ("http instead of https", changed { $0.url = "http://api.example.com/x" }, false),
        ("the scheme in capitals", changed { $0.url = "HTTPS://api.example.com/x" }, false),
        ("a scheme prefix without ://", changed { $0.url = "https:api.example.com/x" }, false),
        ("another scheme", changed { $0.url = "ftp://api.example.com/x" }, false),
        ("another method", changed { $0.method = "HEAD" }, false),
        ("a body", changed { $0.body = Data() }, false),
        ("another password", changed { $0.basicAuth = BasicAuth(username: "apiuser", password: "s3cret2") }, false),
        ("another user", changed { $0.basicAuth = BasicAuth(username: "apiuser2", password: "s3cret") }, false),
        ("no credentials", changed { $0.basicAuth = nil }, false),
        ("another header value", changed { $0.headers = [("Accept", "text/plain")] }, false),
        ("another header name", changed { $0.headers = [("accept", "application/json")] }, false),
        ("one header more", changed { $0.headers.append(("X-Trace", "1")) }, false),
        ("no headers", changed { $0.headers = [] }, false),
        ("another timeout", changed { $0.timeout = .seconds(31) }, false),
        ("another connect timeout", changed { $0.connectTimeout = .milliseconds(5_001) }, false),
        ("another body cap", changed { $0.maxResponseBytes = 65_537 }, false),
    ]

    @Test(arguments: cases)
    func carries(_ label: String, request: HTTPRequest, expected: Bool) throws {
        let shape = try #require(RequestShape(Self.base, scheme: "https"))
        #expect(shape.matches(request) == expected, "\(label)")
    }

    @Test func aRequestWithABodyHasNoShape() {
        #expect(RequestShape(Self.changed { $0.method = "POST"; $0.body = Data("{}".utf8) }, scheme: "https") == nil)
        #expect(RequestShape(Self.changed { $0.body = Data() }, scheme: "https") == nil)
    }
}
