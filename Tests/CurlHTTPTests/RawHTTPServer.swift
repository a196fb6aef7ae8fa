import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A request as the test server received it.
struct ReceivedRequest: Sendable {
    var method: String
    var target: String
    var headers: [(name: String, value: String)]
    var body: Data

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// How the test server answers one request.
enum TestReply: Sendable {
    /// A keep-alive response with Content-Length.
    case respond(status: Int, headers: [(name: String, value: String)] = [], body: Data = Data())
    /// A response without Content-Length whose end is the connection closing.
    case respondUntilClose(status: Int, body: Data)
    /// No answer at all; the connection stays open until the client leaves or the server stops.
    case silence
}

/// A tiny HTTP/1.1 server on 127.0.0.1 that counts TCP connections, for testing the client.
///
/// Blocking sockets on plain threads (one per connection), so the Swift concurrency pool never
/// waits on it.
final class RawHTTPServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let handler: @Sendable (ReceivedRequest) -> TestReply
    private let lock = NSLock()
    private var openConnections: Set<Int32> = []
    private var accepted = 0
    private var closed = 0
    private var received: [ReceivedRequest] = []

    init(handler: @escaping @Sendable (ReceivedRequest) -> TestReply) throws {
        self.handler = handler
        (listener, port) = try Self.bindLoopback(listen: true)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    var acceptedConnections: Int { lock.withLock { accepted } }
    var closedConnections: Int { lock.withLock { closed } }
    var requests: [ReceivedRequest] { lock.withLock { received } }

    /// Wakes every blocked thread; each closes its own socket on the way out.
    func stop() {
        lock.withLock {
            _ = shutdown(listener, Int32(SHUT_RDWR))
            for fd in openConnections { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// A socket bound to 127.0.0.1 on a free port; without `listen`, connecting to it is refused.
    static func bindLoopback(listen shouldListen: Bool) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound, !shouldListen || listen(fd, 512) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { break }
            lock.withLock {
                accepted += 1
                openConnections.insert(fd)
            }
            let thread = Thread { [self] in serve(fd) }
            thread.start()
        }
        close(listener)
    }

    private func serve(_ fd: Int32) {
        var buffer = Data()
        serving: while let request = readRequest(fd, &buffer) {
            lock.withLock { received.append(request) }
            switch handler(request) {
            case let .respond(status, headers, body):
                var head = "HTTP/1.1 \(status) Test\r\nContent-Length: \(body.count)\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                guard write(fd, Data((head + "\r\n").utf8) + body) else { break serving }
            case let .respondUntilClose(status, body):
                _ = write(fd, Data("HTTP/1.1 \(status) Test\r\nConnection: close\r\n\r\n".utf8) + body)
                break serving
            case .silence:
                while readMore(fd, &buffer) {}
                break serving
            }
        }
        lock.withLock {
            openConnections.remove(fd)
            closed += 1
        }
        close(fd)
    }

    /// Reads one request (head plus Content-Length body); nil when the peer goes away.
    private func readRequest(_ fd: Int32, _ buffer: inout Data) -> ReceivedRequest? {
        let separator = Data("\r\n\r\n".utf8)
        var headEnd = buffer.range(of: separator)
        while headEnd == nil {
            guard readMore(fd, &buffer) else { return nil }
            headEnd = buffer.range(of: separator)
        }
        guard let headEnd else { return nil }
        let head = String(decoding: buffer[buffer.startIndex..<headEnd.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count == 3 else { return nil }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var request = ReceivedRequest(
            method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: Data())
        let length = Int(request.header("Content-Length") ?? "0") ?? 0
        while buffer.count - (headEnd.upperBound - buffer.startIndex) < length {
            guard readMore(fd, &buffer) else { return nil }
        }
        let bodyEnd = headEnd.upperBound + length
        request.body = Data(buffer[headEnd.upperBound..<bodyEnd])
        buffer = Data(buffer[bodyEnd...])
        return request
    }

    private func readMore(_ fd: Int32, _ buffer: inout Data) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = recv(fd, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    private func write(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let sent = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }
    }
}

/// Polls `condition` every 10 ms until it holds or `limit` passes.
///
/// The limit is generous because the condition usually holds within milliseconds, while a
/// test process starting hundreds of tests on two cores can stall for seconds first.
func waitUntil(_ limit: Duration = .seconds(30), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else { return }
        try await Task.sleep(for: .milliseconds(10))
    }
}
