import Foundation
import SimWatchCore

/// Decodes a `ctdUsages` answer into a `DeviceUsage` on its bytes, without `JSONDecoder`.
///
/// Every poll decodes one record, so this is the fast path; `JSONDecoder` stays the
/// reference. The fast path only answers when it is sure to agree with it: any input it
/// does not take in one strict pass (a duplicate field, a number written `1.0` or `1e3`,
/// a wrong type, invalid UTF-8, a byte-order mark, a trailing comma, nesting deeper than
/// `JSONScanner` allows) goes to `JSONDecoder`, which then accepts it or says what is
/// wrong exactly as before. So the tolerance (nulls, empty strings, unknown statuses and
/// keys, Int64 range) is `JSONDecoder`'s by construction.
enum DeviceUsageDecoder {
    /// The record in `body`, or the `DecodingError` that `JSONDecoder` reports for it.
    ///
    /// `requested` is the ICCID asked for: an answer that names it keeps that string
    /// instead of a copy, so 100,000 records do not hold 100,000 more ICCIDs.
    static func decode(_ body: Data, requested: String = "") throws -> DeviceUsage {
        if let usage = fastDecode(body, requested: requested) { return usage }
        return try JSONDecoder().decode(DeviceUsage.self, from: body)
    }

    /// The record when the one-pass reader is sure of it, else nil.
    static func fastDecode(_ body: Data, requested: String = "") -> DeviceUsage? {
        body.withUnsafeBytes { raw -> DeviceUsage? in
            let bytes = UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count)
            guard bytes.count > 0, isValidUTF8(bytes) else { return nil }
            var reader = Reader(scanner: JSONScanner(bytes: bytes), requested: requested)
            return try? reader.record()
        }
    }

    /// ASCII is checked byte by byte; anything else by the standard library's validator.
    private static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if !bytes.contains(where: { $0 >= 0x80 }) { return true }
        return String(validating: bytes, as: UTF8.self) != nil
    }

    /// One pass over the object; throws (and the caller falls back) on anything unusual.
    private struct Reader {
        var scanner: JSONScanner
        /// The ICCID asked for, given back when the answer's is the same bytes.
        let requested: String
        /// Fields already read: a second one makes the answer `JSONDecoder`'s to judge.
        private var seen: UInt16 = 0

        init(scanner: JSONScanner, requested: String) {
            self.scanner = scanner
            self.requested = requested
        }

        private struct Unsure: Error {}

        mutating func record() throws -> DeviceUsage {
            var iccid: String?
            var usage = DeviceUsage(iccid: "")
            var object = try scanner.beginObject()
            while let key = try scanner.nextKey(&object) {
                if key.matches("iccid") {
                    try mark(0)
                    guard !(try scanner.skipNull()) else { throw Unsure() }
                    iccid = try scanner.readString(reusing: requested)
                } else if key.matches("imsi") {
                    try mark(1); usage.imsi = try optionalString()
                } else if key.matches("msisdn") {
                    try mark(2); usage.msisdn = try optionalString()
                } else if key.matches("imei") {
                    try mark(3); usage.imei = try optionalString()
                } else if key.matches("status") {
                    try mark(4); usage.status = try optionalString()
                } else if key.matches("ratePlan") {
                    try mark(5); usage.ratePlan = try optionalString()
                } else if key.matches("communicationPlan") {
                    try mark(6); usage.communicationPlan = try optionalString()
                } else if key.matches("ctdDataUsage") {
                    try mark(7); usage.ctdDataUsage = try optionalInt()
                } else if key.matches("ctdSMSUsage") {
                    try mark(8); usage.ctdSMSUsage = try optionalInt()
                } else if key.matches("ctdVoiceUsage") {
                    try mark(9); usage.ctdVoiceUsage = try optionalInt()
                } else if key.matches("ctdSessionCount") {
                    try mark(10); usage.ctdSessionCount = try optionalInt()
                } else if key.matches("overageLimitReached") {
                    try mark(11); usage.overageLimitReached = try scanner.skipNull() ? nil : scanner.readBool()
                } else if key.matches("overageLimitOverride") {
                    try mark(12); usage.overageLimitOverride = try optionalString()
                } else {
                    // `matches` compares escaped names decoded, so this is truly an unknown key.
                    try scanner.skipValue()
                }
            }
            try scanner.expectEnd()
            guard let iccid else { throw Unsure() }
            usage.iccid = iccid
            return usage
        }

        private mutating func mark(_ field: UInt16) throws {
            let bit: UInt16 = 1 << field
            guard seen & bit == 0 else { throw Unsure() }
            seen |= bit
        }

        private mutating func optionalString() throws -> String? {
            try scanner.skipNull() ? nil : scanner.readString()
        }

        private mutating func optionalInt() throws -> Int64? {
            try scanner.skipNull() ? nil : scanner.readInt()
        }
    }
}
