import Foundation

/// A JSON document built in code, written with its keys in the order given.
///
/// Formatters build bodies from these so that the size of a part is exactly the size it
/// adds to the message: serialization is compositional, which makes packing exact.
package enum JSONValue: Sendable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// The object with the members whose value is not `nil`, in order.
    package static func members(_ members: [(String, JSONValue?)]) -> JSONValue {
        .object(members.compactMap { key, value in value.map { (key, $0) } })
    }

    /// The serialized bytes, UTF-8, no whitespace.
    package var data: Data {
        var writer = JSONByteWriter(capacity: 1024)
        write(to: &writer)
        return Data(writer.bytes)
    }

    /// The number of bytes `data` has.
    package var byteCount: Int {
        var writer = JSONByteWriter(capacity: 256)
        write(to: &writer)
        return writer.bytes.count
    }

    private func write(to writer: inout JSONByteWriter) {
        switch self {
        case .string(let text): writer.string(text)
        case .int(let number): writer.int(number)
        case .double(let number):
            // JSON has no NaN or infinity; neither can come from a counter or a percentage.
            writer.raw(Data((number.isFinite ? HumanFormat.decimal(number) : "null").utf8))
        case .bool(let flag): writer.bool(flag)
        case .null: writer.raw("null")
        case .array(let elements):
            writer.raw("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { writer.raw(",") }
                element.write(to: &writer)
            }
            writer.raw("]")
        case .object(let members):
            writer.raw("{")
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { writer.raw(",") }
                writer.string(key)
                writer.raw(":")
                value.write(to: &writer)
            }
            writer.raw("}")
        }
    }
}
