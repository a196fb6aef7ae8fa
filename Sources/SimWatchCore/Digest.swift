import Crypto

/// SHA-256 digests, from swift-crypto, in the shapes simwatch uses (event ids).
///
/// One place names the hash, so that HMAC signing later sits beside it and no target
/// but SimWatchCore needs to import Crypto.
public enum Digest {
    /// The SHA-256 digest of `bytes`, 32 bytes.
    public static func sha256(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        Array(SHA256.hash(data: Array(bytes)))
    }

    /// The SHA-256 digest of a string's UTF-8 bytes, as 64 lowercase hex digits.
    public static func sha256Hex(_ string: String) -> String {
        hex(sha256(string.utf8))
    }

    /// Lowercase hex, two digits a byte.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
