import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small SMTP server on 127.0.0.1 that records every message it is given: the e-mail
/// receiver's counterpart of the webhook sink, for tests and the demo.
///
/// It speaks plain SMTP (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and offers
/// no STARTTLS, which simwatch accepts only from a loopback address. Each connection
/// runs on its own thread with blocking sockets, so no Swift concurrency thread waits.
public final class SMTPSink: Sendable {
    /// One message as the server received it, dot-stuffing removed.
    public struct Message: Sendable, Equatable {
        public var from: String
        public var recipients: [String]
        /// The message's bytes, lines ending in CRLF.
        public var data: Data
        /// The user that authenticated with AUTH PLAIN; `nil` without AUTH.
        public var user: String?
    }

    /// A user and password AUTH PLAIN must give; `nil`: AUTH is not offered.
    private let login: (user: String, password: String)?
    private let state = LockedValue(State())

    private struct State {
        var listener: Int32 = -1
        var port: UInt16 = 0
        var messages: [Message] = []
        var sessions: Int = 0
    }

    public init(user: String? = nil, password: String? = nil) {
        login = user.flatMap { user in password.map { (user, $0) } }
    }

    deinit { stop() }

    /// The port it listens on; 0 before `start()`.
    public var port: UInt16 { state.get().port }
    /// Every message received, in order.
    public var messages: [Message] { state.get().messages }
    /// How many connections were opened (a client reuses one for several messages).
    public var sessions: Int { state.get().sessions }

    /// Listens on 127.0.0.1 on a free port and starts accepting; returns the port.
    @discardableResult
    public func start() throws -> UInt16 {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw SimulatorError.cannotListen(host: "127.0.0.1", port: 0, reason: Self.errorText()) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            let reason = Self.errorText()
            close(listener)
            throw SimulatorError.cannotListen(host: "127.0.0.1", port: 0, reason: reason)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let port = UInt16(bigEndian: address.sin_port)
        state.withValue { $0.listener = listener; $0.port = port }
        let thread = Thread { [self] in acceptLoop(listener) }
        thread.name = "smtp-sink"
        thread.start()
        return port
    }

    /// Stops accepting; sessions in progress end when their client hangs up or times out.
    public func stop() {
        let listener = state.withValue { state -> Int32 in
            defer { state.listener = -1 }
            return state.listener
        }
        guard listener >= 0 else { return }
        // Wakes the thread blocked in accept().
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop(_ listener: Int32) {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            state.withValue { $0.sessions += 1 }
            // A client that stops talking must not keep a thread forever.
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let thread = Thread { [self] in
                var session = SMTPSession(connection: connection, login: login)
                session.run { message in state.withValue { $0.messages.append(message) } }
                close(connection)
            }
            thread.name = "smtp-sink-session"
            thread.start()
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
