/// A value that must never reach a log, an error, a state file or a command line.
///
/// Printing, interpolating or dumping it shows `<redacted>`; only `reveal()` gives the value,
/// and only code that hands it to libcurl should call it.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// The secret itself.
    public func reveal() -> String { value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
