import Foundation
import Testing
@testable import CurlHTTP

/// Header lines parsed on bytes: what libcurl hands over, however odd, gives bounded, sane fields.
@Suite struct ResponseHeadersTests {
    /// Feeds each line as libcurl would (one callback per line) and returns the fields.
    func parse(_ lines: [[UInt8]]) -> ResponseHeaders {
        var headers = ResponseHeaders()
        for line in lines {
            line.withUnsafeBytes { headers.receive($0) }
        }
        return headers
    }

    func parse(_ lines: [String]) -> [(name: String, value: String)] {
        parse(lines.map { Array($0.utf8) }).fields
    }

    func pairs(_ fields: [(name: String, value: String)]) -> [String] {
        fields.map { "\($0.name)=\($0.value)" }
    }

    @Test func statusLineAndPlainFieldsWithCRLFOrLF() {
        let fields = parse(["HTTP/1.1 200 OK\r\n", "Content-Type: application/json\r\n", "X-Id:abc\n", "\r\n"])
        #expect(pairs(fields) == ["Content-Type=application/json", "X-Id=abc"])
    }

    @Test func valuesAreTrimmedOfSpacesAndTabsButNotInside() {
        let fields = parse(["HTTP/1.1 200 OK\r\n", "Retry-After: \t 5 \t\r\n", "Server:  nginx  light \r\n"])
        #expect(pairs(fields) == ["Retry-After=5", "Server=nginx  light"])
    }

    @Test func aNewStatusLineStartsAFreshResponse() {
        let fields = parse([
            "HTTP/1.1 100 Continue\r\n", "X-Early: 1\r\n", "\r\n",
            "HTTP/2 429\r\n", "Retry-After: 7\r\n", "\r\n",
        ])
        #expect(pairs(fields) == ["Retry-After=7"])
    }

    @Test func duplicateRetryAfterKeepsBothInOrderAndTheFirstWins() {
        let fields = parse(["HTTP/1.1 429 Too Many\r\n", "Retry-After: 3\r\n", "retry-after: 1e300\r\n"])
        #expect(pairs(fields) == ["Retry-After=3", "retry-after=1e300"])
        #expect(HTTPResponse(status: 429, headers: fields).header("RETRY-AFTER") == "3")
    }

    @Test(arguments: [
        "no colon at all\r\n",
        ": empty name\r\n",
        "Retry-After : 5\r\n",  // RFC 9112: whitespace before the colon is not a field
        "Bad Name: x\r\n",
        "Na\u{01}me: x\r\n",
        "Nämé: x\r\n",
    ])
    func linesThatAreNotFieldsAreDropped(line: String) {
        #expect(parse(["HTTP/1.1 200 OK\r\n", line, "X-Ok: yes\r\n"]).map(\.name) == ["X-Ok"])
    }

    @Test func emptyValueIsKept() {
        #expect(pairs(parse(["HTTP/1.1 200 OK\r\n", "X-Empty:\r\n", "X-Blank:   \r\n"])) == ["X-Empty=", "X-Blank="])
    }

    @Test func foldedLinesContinueThePreviousValue() {
        let fields = parse(["HTTP/1.1 200 OK\r\n", "X-Long: part one\r\n", "  part two\r\n", "\tpart three\r\n", "X-Next: n\r\n"])
        #expect(pairs(fields) == ["X-Long=part one part two part three", "X-Next=n"])
    }

    @Test func aFoldedLineWithNothingToContinueIsDropped() {
        #expect(parse(["HTTP/1.1 200 OK\r\n", "  orphan: continuation\r\n", "X-Ok: 1\r\n"]).map(\.name) == ["X-Ok"])
        #expect(parse(["HTTP/1.1 200 OK\r\n", "junk line\r\n", " continuation\r\n"]).isEmpty)
    }

    @Test func utf8ValuesStayUTF8() {
        #expect(parse(["HTTP/1.1 200 OK\r\n", "X-Name: Müller 😀\r\n"]).first?.value == "Müller 😀")
    }

    @Test func nonUTF8ValuesAreReadAsISO88591() {
        let line: [UInt8] = Array("X-Name: M".utf8) + [0xFC] + Array("ller \r\n".utf8)
        let fields = parse([Array("HTTP/1.1 200 OK\r\n".utf8), line]).fields
        #expect(pairs(fields) == ["X-Name=Müller"])
    }

    @Test func controlAndNULBytesInAValueDoNotBreakParsing() {
        let line: [UInt8] = Array("X-Odd: a".utf8) + [0x00, 0x07, 0xFF] + Array("b\r\n".utf8)
        let fields = parse([Array("HTTP/1.1 200 OK\r\n".utf8), line]).fields
        #expect(fields.count == 1)
        #expect(fields.first?.value.unicodeScalars.map(\.value) == [0x61, 0x00, 0x07, 0xFF, 0x62])
    }

    @Test func aHugeValueIsDroppedAndAHugeHeaderCountIsCapped() {
        let huge = "X-Huge: " + String(repeating: "a", count: ResponseHeaders.maxValueBytes + 1) + "\r\n"
        #expect(parse(["HTTP/1.1 200 OK\r\n", huge, "X-Ok: 1\r\n"]).map(\.name) == ["X-Ok"])
        let many = (0..<(ResponseHeaders.maxFields + 50)).map { "X-\($0): v\r\n" }
        #expect(parse(["HTTP/1.1 200 OK\r\n"] + many).count == ResponseHeaders.maxFields)
    }

    @Test func foldingCannotGrowAValuePastTheCap() {
        let piece = " " + String(repeating: "b", count: 1_000) + "\r\n"
        let fields = parse(["HTTP/1.1 200 OK\r\n", "X-Grow: a\r\n"] + Array(repeating: piece, count: 100))
        #expect(fields.count == 1)
        #expect(fields[0].value.utf8.count <= ResponseHeaders.maxValueBytes)
    }

    @Test func emptyAndLineBreakOnlyInputsAreNothing() {
        #expect(parse(["", "\r\n", "\n", "\r"]).isEmpty)
        var headers = ResponseHeaders()
        headers.receive(UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(headers.fields.isEmpty)
    }

    @Test(arguments: [
        ("Content-Length: 512", 512 as Int?), ("content-LENGTH:0", 0), ("Content-Length: 1234567890", nil),
        ("Content-Length: -1", nil), ("Content-Length: 1e3", nil), ("Content-Length: ", nil),
        ("Content-Length: 99999999999999999999999", nil), ("Content-Length: 12 34", nil),
    ])
    func contentLengthIsReadOnlyWhenSmallAndDecimal(line: String, expected: Int?) {
        #expect(parse([Array("HTTP/1.1 200 OK\r\n".utf8), Array((line + "\r\n").utf8)]).announcedLength == expected)
    }

    @Test func throughLibcurlFoldedAndDuplicateHeadersArriveParsed() async throws {
        let server = try RawHTTPServer { _ in
            .respond(status: 429, headers: [
                ("Retry-After", "2"), ("Retry-After", "1e300"), ("X-Folded", "first\r\n second"),
            ], body: Data("{}".utf8))
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let response = try await client.execute(HTTPRequest(url: server.url("/limited")))
        #expect(response.status == 429)
        #expect(response.header("retry-after") == "2")
        #expect(response.headers.filter { $0.name == "Retry-After" }.map(\.value) == ["2", "1e300"])
        #expect(response.header("X-Folded") == "first second")
        #expect(response.header("Content-Length") == "2")
        #expect(response.body == Data("{}".utf8))
    }

    /// What `fields` says the first field of that name holds, names compared in ASCII case.
    func firstValue(_ fields: [(name: String, value: String)], _ name: String) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    @Test func aFieldReadByNameIsTheFirstOfThatNameWhateverItHolds() {
        let latin1: [UInt8] = Array("X-Name: M".utf8) + [0xFC] + Array("ller\r\n".utf8)
        let headers = parse([
            Array("HTTP/1.1 100 Continue\r\n".utf8), Array("X-Early: dropped\r\n".utf8),
            Array("HTTP/1.1 429 Too Many\r\n".utf8), Array("Retry-After: 2\r\n".utf8),
            Array("retry-after: 3\r\n".utf8), Array("X-Long: one\r\n".utf8), Array(" two\r\n".utf8),
            latin1, Array("\tfolded \u{00FC}tf8\r\n".utf8), Array("X-Empty:\r\n".utf8), Array("  later\r\n".utf8),
        ])
        for name in ["Retry-After", "RETRY-AFTER", "x-long", "X-Name", "X-Empty", "X-Early", "X-Missing", "", "Retry-Afte", "Retry-After2"] {
            #expect(headers.value(of: name) == firstValue(headers.fields, name), "\(name)")
        }
        #expect(headers.value(of: "retry-after") == "2")
        #expect(headers.value(of: "X-Long") == "one two")
        #expect(headers.value(of: "X-Name") == "Müller folded ütf8")
        #expect(headers.value(of: "X-Empty") == "later")
        #expect(headers.value(of: "X-Early") == nil)
    }

    @Test func fieldsReadByNameAgreeWithAllFieldsOnEveryThreeOddLines() {
        let variants: [[UInt8]] = [
            Array("A: 1\r\n".utf8), Array("a:2\n".utf8), Array(" fold\r\n".utf8), Array("\t\r\n".utf8),
            Array("x-A : no\r\n".utf8), Array(":empty name\r\n".utf8), Array("B:\r\n".utf8),
            Array("B: \u{00FC}\r\n".utf8), [0x42, 0x3A, 0x20, 0xFC, 0x0D, 0x0A], [0x20, 0xFF, 0x00, 0x7F],
            Array("HTTP/1.1 200 OK\r\n".utf8), Array("no colon\r\n".utf8),
        ]
        for first in variants {
            for second in variants {
                for third in variants {
                    let lines = [Array("HTTP/1.1 200 OK\r\n".utf8), first, second, third]
                    let headers = parse(lines)
                    for name in ["A", "a", "B", "x-A", "missing"] {
                        #expect(headers.value(of: name) == firstValue(headers.fields, name), "\(lines)")
                    }
                }
            }
        }
    }

    @Test func aResponseReadsItsHeadersByNameAsItWasGivenThemOrReceivedThem() {
        let received = parse(["HTTP/1.1 200 OK\r\n", "Retry-After: 7\r\n", "X-A: 1\r\n"])
        var response = HTTPResponse(status: 200, received: {
            var headers = ResponseHeaders()
            for line in ["HTTP/1.1 200 OK\r\n", "Retry-After: 7\r\n", "X-A: 1\r\n"] {
                Array(line.utf8).withUnsafeBytes { headers.receive($0) }
            }
            return headers
        }(), body: Data())
        #expect(response.header("retry-AFTER") == "7" && response.header("X-B") == nil)
        #expect(pairs(response.headers) == pairs(received))
        response.headers.append((name: "X-B", value: "2"))
        #expect(response.header("x-b") == "2" && response.header("Retry-After") == "7")
        let given = HTTPResponse(status: 429, headers: [("retry-after", "1"), ("Retry-After", "2")])
        #expect(given.header("RETRY-AFTER") == "1" && given.header("Retry") == nil)
    }
}
