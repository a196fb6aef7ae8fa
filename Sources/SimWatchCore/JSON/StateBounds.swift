import Foundation

/// The ranges the state file's numbers must be in; a file outside them is corrupt (set aside).
///
/// Sequence numbers (cycle, observation) and counts (failed cycles, delivery attempts)
/// grow by one at a time: 2^53 of them would take longer than any simwatch will run,
/// and anything that large was edited or damaged. The bound also keeps every `+ 1` on
/// them far from `Int.max`, and keeps them exact in the JSON tools people read the file with.
package enum StateBounds {
    /// 2^53 = 9,007,199,254,740,992: the largest integer every JSON reader holds exactly.
    static let maxSequence = 1 << 53

    package static let sequenceRange: ClosedRange<Int> = 0...maxSequence

    /// The message for a number out of `sequenceRange`.
    package static func outOfRange(_ key: String, _ value: some BinaryInteger) -> String {
        "\"\(key)\" is \(value), outside 0 to 2^53 (\(maxSequence))"
    }

    /// Years 0000 to 9999, what a four-digit RFC 3339 year can say. Foundation's ISO 8601
    /// decoder also takes five-digit years; such a time is damage, and one that far out
    /// would overflow the whole-second arithmetic that formats it again.
    static let dateRange: ClosedRange<TimeInterval> = -62_167_219_200...253_402_300_799

    /// Whether `date` is within `dateRange`; `nil` counts as in range.
    package static func isInRange(_ date: Date?) -> Bool {
        guard let date else { return true }
        return dateRange.contains(date.timeIntervalSince1970)
    }

    /// The message for a time out of `dateRange`.
    package static func dateOutOfRange(_ key: String) -> String {
        "\"\(key)\" is not a time between the years 0000 and 9999"
    }

    /// The longest epoch accepted from a file; simwatch writes 32 hex digits.
    package static let maxEpochLength = 128
    /// Flapping keeps at most `flapping.changes` (1000 at most) changes per field.
    package static let maxFlapChanges = 1000
}

extension Int {
    /// One more, but never past `Int.max`: numbers the state file holds must not trap.
    package var incrementedSaturating: Int {
        let (sum, overflow) = addingReportingOverflow(1)
        return overflow ? .max : sum
    }
}
