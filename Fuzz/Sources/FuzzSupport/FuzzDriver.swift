import CLibFuzzer
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts libFuzzer from a SwiftPM executable.
///
/// SwiftPM links every executable with `--defsym main=<Module>_main`, so libFuzzer's own
/// `main` never runs and a `-parse-as-library` target (no `<Module>_main`) does not link.
/// Each target's `main.swift` therefore defines `LLVMFuzzerTestOneInput` (libFuzzer's
/// archive still refers to it) and calls this, which hands the process to libFuzzer.
public enum FuzzDriver {
    /// The signature libFuzzer calls for each input.
    public typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// Runs libFuzzer with the process's arguments and exits with its status.
    public static func run(_ callback: Callback) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
    }

    /// The input as a byte buffer (libFuzzer passes a null pointer for the empty input).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: size > 0 ? data : nil, count: max(0, size))
    }

    /// Whether to print what each input decoded to: `SIMWATCH_FUZZ_VERBOSE=1 .build/release/FuzzUsage FILE`
    /// shows what a seed or a saved crash does (printing slows fuzzing; leave it off for runs).
    public static let verbose = ProcessInfo.processInfo.environment["SIMWATCH_FUZZ_VERBOSE"] == "1"

    /// Prints `outcome` when `verbose`.
    public static func show(_ outcome: @autoclosure () -> String) {
        if verbose { print(outcome()) }
    }

    /// Stops the run as a crash, so that libFuzzer saves the input: for a broken invariant.
    public static func violated(_ message: String) -> Never {
        FileHandle.standardError.write(Data("fuzz invariant violated: \(message)\n".utf8))
        abort()
    }
}
