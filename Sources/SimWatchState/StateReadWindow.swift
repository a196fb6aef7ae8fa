#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SimWatchCore

/// The state file read in bounded chunks: the part `StateFileReader` is parsing, not the whole file.
///
/// The window keeps the bytes from the scanner's position on, plus what the last chunk
/// brought. Before the reader parses a piece it asks for that piece to be whole here
/// (`frame`), found by bracket depth and string state alone, so a piece may span any
/// number of chunks and a chunk may end inside a string or an escape. Bytes already
/// parsed are dropped when a chunk is read, keeping their line count for error messages.
package final class StateReadWindow {
    /// Reads up to `buffer.count` bytes into `buffer`; 0 at the end of the file.
    package typealias Source = (_ buffer: UnsafeMutableRawBufferPointer) throws(StateLoadError) -> Int

    /// Why reading stopped before the file was parsed: the load reports this, not the format error it threw.
    enum Failure: Error {
        case io(StateLoadError)
        case tooLarge
    }

    /// What `frame` makes sure the window holds from a position.
    enum Piece {
        /// Whitespace and the next byte: the start of a value, or the end of the file.
        case nextByte
        /// A member or element of the container being read: an optional comma, then up to
        /// the comma or closing bracket after it (included), or the end of the file.
        case member
        /// A member of the top object; for one of `streamedKeys` only up to the start of its
        /// value, which the reader then reads member by member.
        case topMember(streamedKeys: [StaticString])
    }

    private let source: Source
    private let chunkBytes: Int
    private let limit: Int
    /// The file's size when known, for reserving room (0 if not).
    let sizeHint: Int
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    /// The source said it has no more: the window holds the rest of the file.
    private(set) var atEnd = false
    private var totalRead = 0
    /// Line and column of `storage[0]` in the file.
    private var origin = (line: 1, column: 1)
    private(set) var failure: Failure?

    /// - Parameters:
    ///   - chunkBytes: bytes asked of `source` at a time (at least 1).
    ///   - limit: a file longer than this fails with `.tooLarge`.
    init(chunkBytes: Int, limit: Int, sizeHint: Int = 0, source: @escaping Source) {
        self.source = source
        self.chunkBytes = max(chunkBytes, 1)
        self.limit = limit
        self.sizeHint = sizeHint
        capacity = self.chunkBytes
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// A scanner over what the window holds, at `index`; valid until the next `frame`.
    func scanner(at index: Int) -> JSONScanner {
        JSONScanner(window: UnsafeBufferPointer(start: storage, count: count), index: index,
                    line: origin.line, column: origin.column)
    }

    /// Makes sure the window holds `piece` from `index` on; returns where `index` is now
    /// (bytes before it may have been dropped). Malformed JSON is not judged here: at
    /// worst the piece runs to the end of the file and the scanner finds the fault.
    func frame(_ piece: Piece, from index: Int) throws(StateFormatError) -> Int {
        var base = index
        var position = index
        var lead = true, commaSeen = false
        var depth = 0, inString = false, escaped = false
        var key: (start: Int, plain: Bool)?, keyIsStreamed = false, afterColon = false
        if case .nextByte = piece { afterColon = true }
        while true {
            if position == count {
                if atEnd { return base }
                let shift = try refill(keeping: base)
                base -= shift
                position -= shift
                if let start = key?.start { key?.start = start - shift }
                continue
            }
            let byte = storage[position]
            if afterColon || lead {
                switch byte {
                case 0x20, 0x0A, 0x0D, 0x09:
                    position += 1
                    continue
                case UInt8(ascii: ",") where lead && !afterColon && !commaSeen:
                    commaSeen = true
                    position += 1
                    continue
                default:
                    if afterColon { return base }
                    lead = false
                }
            }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                    key?.plain = false
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if let key, key.plain, depth == 0, case .topMember(let names) = piece {
                        keyIsStreamed = names.contains { Self.equal($0, storage + key.start, position - key.start) }
                    }
                }
                position += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                if key == nil, depth == 0 { key = (position + 1, true) }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return base }
                depth -= 1
            case UInt8(ascii: ","):
                if depth == 0 { return base }
            case UInt8(ascii: ":"):
                if depth == 0, keyIsStreamed { afterColon = true }
            default:
                break
            }
            position += 1
        }
    }

    /// Makes sure the window holds `bytes` from `index` on, or the rest of the file;
    /// returns where `index` is now. For a batch of members read in parallel, which needs
    /// them all here at once (not framed one by one).
    func hold(_ bytes: Int, from index: Int) throws(StateFormatError) -> Int {
        var index = index
        while count - index < bytes, !atEnd {
            index -= try refill(keeping: index)
        }
        return index
    }

    private static func equal(_ name: StaticString, _ bytes: UnsafeMutablePointer<UInt8>, _ length: Int) -> Bool {
        length == name.utf8CodeUnitCount && memcmp(bytes, name.utf8Start, length) == 0
    }

    /// Drops the bytes before `keeping`, reads one chunk after the rest; returns how far the kept bytes moved.
    private func refill(keeping: Int) throws(StateFormatError) -> Int {
        advanceOrigin(over: keeping)
        count -= keeping
        if keeping > 0, count > 0 { memmove(storage, storage + keeping, count) }
        if capacity - count < chunkBytes {
            // A piece longer than a chunk: the window grows to hold it (bounded by `limit`).
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: max(capacity * 2, count + chunkBytes))
            grown.update(from: storage, count: count)
            storage.deallocate()
            storage = grown
            capacity = max(capacity * 2, count + chunkBytes)
        }
        let read: Int
        do {
            read = try source(UnsafeMutableRawBufferPointer(start: storage + count, count: min(chunkBytes, capacity - count)))
        } catch {
            failure = .io(error)
            throw StateFormatError(description: error.description)
        }
        if read == 0 { atEnd = true }
        count += read
        totalRead += read
        if totalRead > limit {
            failure = .tooLarge
            throw StateFormatError(description: "larger than \(limit) bytes")
        }
        return keeping
    }

    /// Moves `origin` past the first `length` bytes, which are about to be dropped.
    private func advanceOrigin(over length: Int) {
        var lineStart: Int?
        var from = 0
        while from < length, let found = memchr(storage + from, 0x0A, length - from) {
            origin.line += 1
            from = UnsafeMutableRawPointer(storage).distance(to: found) + 1
            lineStart = from
        }
        origin.column = lineStart.map { length - $0 + 1 } ?? origin.column + length
    }
}
