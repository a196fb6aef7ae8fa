#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Process-wide protections every simwatch command sets before it reads a secret.
public enum ProcessHygiene {
    /// What `apply` did, for a debug line and for tests.
    public struct Outcome: Sendable, Equatable {
        /// SIGPIPE is ignored: a peer closing a socket is an error value, not death.
        public var sigpipeIgnored: Bool
        /// The process is not dumpable: no core file or ptrace attach by the same user
        /// can read the API key or webhook URLs out of memory.
        public var nonDumpable: Bool
    }

    /// The environment variable that keeps core dumps possible (for debugging a crash).
    public static let allowCoreVariable = "SIMWATCH_ALLOW_CORE"

    /// Ignores SIGPIPE and, unless `SIMWATCH_ALLOW_CORE=1`, makes the process non-dumpable.
    @discardableResult
    public static func apply(environment: [String: String]) -> Outcome {
        // SIG_ERR is the handler value -1; C function pointers are not Equatable in Swift.
        let previous = signal(SIGPIPE, SIG_IGN)
        let sigpipeIgnored = unsafeBitCast(previous, to: Int.self) != -1
        var nonDumpable = false
        if environment[allowCoreVariable] != "1" {
            nonDumpable = makeNonDumpable()
        }
        return Outcome(sigpipeIgnored: sigpipeIgnored, nonDumpable: nonDumpable)
    }

    /// Whether the process may dump core now (`PR_GET_DUMPABLE`); `nil` where there is no `prctl`.
    public static func isDumpable() -> Bool? {
        prctl(option: getDumpable, argument: 0).map { $0 == 1 }
    }

    /// Makes the process dumpable again; for tests that must leave the process as they found it.
    static func restoreDumpable() {
        _ = prctl(option: setDumpable, argument: 1)
    }

    private static func makeNonDumpable() -> Bool {
        prctl(option: setDumpable, argument: 0) == 0
    }

    // From <linux/prctl.h>, which the Glibc module does not bring in.
    private static let getDumpable: Int32 = 3
    private static let setDumpable: Int32 = 4

    private typealias PrctlFunction = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32

    /// `prctl(option, argument, 0, 0, 0)`; `nil` where the call does not exist.
    ///
    /// Swift cannot call C's variadic `prctl` directly, so it is looked up and called
    /// with its five register-sized arguments, which is how Linux's ABIs pass them anyway.
    private static func prctl(option: Int32, argument: UInt) -> Int32? {
        #if os(Linux)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return nil }
        let function = unsafeBitCast(symbol, to: PrctlFunction.self)
        return function(option, argument, 0, 0, 0)
        #else
        return nil
        #endif
    }
}
