/// How a format's limit counts text.
enum TextMeasure {
    /// UTF-16 code units, what JavaScript-based services count as characters; never fewer
    /// than the characters or code points another service might count.
    case utf16
    /// Bytes the text takes inside a JSON string as `JSONValue` writes it.
    case jsonBytes
    /// Bytes of the text itself, for plain-text bodies and headers.
    case utf8

    package func cost(_ text: String) -> Int {
        switch self {
        case .utf16: text.utf16.count
        case .jsonBytes: text.utf8.reduce(0) { $0 + Self.jsonCost($1) }
        case .utf8: text.utf8.count
        }
    }

    private static func jsonCost(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x09, 0x0A, 0x0C, 0x0D: 2
        case ..<0x20: 6
        default: 1
        }
    }
}

/// Cuts text to a format's limit without losing what identifies the event.
enum TextFit {
    /// `text`, escaped character by character, at most `limit` long by `measure`.
    ///
    /// A cut ends in "…"; when `keep` (an ICCID) was cut off it follows in parentheses, so
    /// a long device name or summary never hides which SIM the alert is about.
    static func fit(
        _ text: String, limit: Int, measure: TextMeasure,
        escape: (Character) -> String = { String($0) }, keep: String? = nil
    ) -> String {
        let escaped = text.map(escape)
        let full = escaped.joined()
        if measure.cost(full) <= limit { return full }
        let ellipsis = "…"
        let plain = prefix(escaped, budget: limit - measure.cost(ellipsis), measure: measure)
        guard let escapedKeep = keep.map({ $0.map(escape).joined() }), !plain.contains(escapedKeep) else {
            return plain + ellipsis
        }
        let suffix = "\(ellipsis) (\(escapedKeep))"
        return prefix(escaped, budget: limit - measure.cost(suffix), measure: measure) + suffix
    }

    /// The leading pieces that fit in `budget`, without trailing whitespace.
    private static func prefix(_ pieces: [String], budget: Int, measure: TextMeasure) -> String {
        var budget = budget
        var kept = ""
        for piece in pieces {
            let cost = measure.cost(piece)
            if cost > budget { break }
            kept += piece
            budget -= cost
        }
        while kept.last?.isWhitespace == true { kept.removeLast() }
        return kept
    }
}
