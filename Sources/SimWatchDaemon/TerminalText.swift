/// Remote text made safe to print on a terminal.
///
/// Device names, statuses, plan names and dead-letter reasons come from Control Center,
/// the configuration or a webhook's answer. Printed as they are, an ESC sequence could
/// clear the screen, rewrite earlier lines or retitle the window, and a bidirectional
/// override could make an ICCID read differently from what it is.
public enum TerminalText {
    /// `text` without control characters (C0, DEL, C1, line and paragraph separators) and
    /// bidirectional overrides; with `keepNewlines`, `\n` stays for layouts that need it.
    public static func clean(_ text: String, keepNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0) }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !isUnsafe(scalar) || (keepNewlines && scalar == "\n") {
            scalars.append(scalar)
        }
        return String(scalars)
    }

    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x2028, 0x2029: true
        // Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
        case 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
