import Foundation

extension JSONEncoder {
    /// The encoder for everything simwatch writes: RFC 3339 dates (`Timestamp`), sorted keys, no escaped slashes.
    public static func simwatch(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.rfc3339(date))
        }
        encoder.outputFormatting = pretty
            ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
            : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension JSONDecoder {
    /// The decoder matching `JSONEncoder.simwatch()`; it also reads fractional seconds and offsets (`Timestamp.parse`).
    public static func simwatch() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            let date = Array(text.utf8).withUnsafeBufferPointer { Timestamp.parse($0, longYears: true) }
            guard let date else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected a date like 2026-11-27T10:00:00Z, not \"\(text.prefix(40))\"")
            }
            return date
        }
        return decoder
    }
}
