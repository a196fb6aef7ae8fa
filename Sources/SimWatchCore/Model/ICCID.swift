/// ICCID rules: 15 to 22 ASCII digits. No Luhn check: the API's own example fails it.
public enum ICCID {
    public static let validLengths = 15...22

    /// Whether `text` may be sent to the API as an ICCID.
    public static func isValid(_ text: String) -> Bool {
        validLengths.contains(text.utf8.count) && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
