import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig

/// `metrics.listen`: one parser, `HostPort.parse`, for `check` and for the address `run` binds.
@Suite struct ConfigListenTests {
    @Test(arguments: [
        ("127.0.0.1:9464", "127.0.0.1", "127.0.0.1", HostPort.Family.ipv4, UInt16(9464)),
        ("0.0.0.0:1", "0.0.0.0", "0.0.0.0", .ipv4, 1),
        ("localhost:9464", "localhost", "127.0.0.1", .ipv4, 9464),
        ("[::1]:9464", "::1", "::1", .ipv6, 9464),
        ("[::]:65535", "::", "::", .ipv6, 65535),
        ("[::ffff:127.0.0.1]:80", "::ffff:127.0.0.1", "::ffff:127.0.0.1", .ipv6, 80),
    ])
    func accepted(text: String, host: String, ip: String, family: HostPort.Family, port: UInt16) throws {
        let address = try HostPort.parse(text)
        #expect(address == HostPort(host: host, ip: ip, family: family, port: port))
        #expect(address.description == text)
        let config = try loadedConfig(minimalYAML + "metrics:\n  listen: \"\(text)\"\n").config
        #expect(config.metrics?.address == address)
        #expect(config.metrics?.listen == text)
    }

    @Test(arguments: [
        ("example.com:9464", "\"example.com\" is not an IP address (names would need DNS"),
        ("metrics.example.net:9464", "is not an IP address"),
        ("999.1.1.1:9464", "is not an IP address"),
        ("1.2.3:9464", "is not an IP address"),
        ("127.0.0.1 :9464", "is not an IP address"),
        ("١٢٧.0.0.1:9464", "is not an IP address"),
        ("127.0.0.1:0", "the port must be a number from 1 to 65535"),
        ("127.0.0.1:65536", "the port must be a number from 1 to 65535"),
        ("127.0.0.1:+80", "the port must be a number from 1 to 65535"),
        ("127.0.0.1:099999", "the port must be a number from 1 to 65535"),
        ("127.0.0.1:99999999999999999999", "the port must be a number from 1 to 65535"),
        ("[example.com]:80", "with an IPv6 address in brackets"),
        ("[::1%eth0]:80", "with an IPv6 address in brackets"),
        ("[127.0.0.1]:80", "with an IPv6 address in brackets"),
        ("[]:80", "expected host:port, e.g. 127.0.0.1:9464"),
        ("[::1]", "expected host:port, e.g. 127.0.0.1:9464"),
        ("::1:9464", "expected host:port, e.g. 127.0.0.1:9464"),
        ("", "expected host:port, e.g. 127.0.0.1:9464"),
        (":", "expected host:port, e.g. 127.0.0.1:9464"),
    ])
    func refusedInCheckAsInRun(text: String, message: String) {
        let error = #expect(throws: HostPort.ParseError.self) { try HostPort.parse(text) }
        #expect(error?.message.hasPrefix("expected host:port") == true, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        expectSingleIssue(minimalYAML + "metrics:\n  listen: \"\(text)\"\n", line: 7, column: 11, keyPath: "metrics.listen",
                          message: message)
    }

    @Test func portZeroOnlyWhenAskedFor() throws {
        #expect(try HostPort.parse("127.0.0.1:0", allowPortZero: true).port == 0)
        #expect(throws: HostPort.ParseError.self) { try HostPort.parse("127.0.0.1:0") }
    }

    @Test func wrongTypeIsNotAnAddress() {
        expectSingleIssue(minimalYAML + "metrics:\n  listen: [127.0.0.1, 9464]\n", line: 7, column: 11, keyPath: "metrics.listen",
                          message: "expected host:port; got a list")
    }
}
