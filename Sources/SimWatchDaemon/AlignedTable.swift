import Foundation

/// Rows of cells as text columns two spaces apart; the last column is not padded.
func alignedTable(_ rows: [[String]]) -> String {
    var table = AlignedTable()
    for cells in rows {
        for cell in cells { table.cell(cell) }
        table.endRow()
    }
    return table.text
}

/// A table built cell by cell into one byte buffer, then laid out in columns.
///
/// `status` prints one row per SIM, 100,000 of them in a fleet: its cells are written as
/// bytes into one buffer (no `String` or array per cell or row), and the laid-out text is
/// handed out in large chunks rather than held whole. A cell of printable ASCII (nearly
/// all of them) is measured and padded on its bytes; any other cell keeps the `Character`
/// width and Foundation's padding it always had.
struct AlignedTable {
    /// Every cell's text, back to back.
    private var bytes: [UInt8] = []
    /// Where each cell's text ends in `bytes`.
    private var ends: [Int] = []
    /// How many cells there are after each row.
    private var rowEnds: [Int] = []
    private var widths: [Int] = []
    /// The cells that are not printable ASCII, in cell order: measured and padded as `String`s.
    /// A list, not a dictionary: laying out walks it alongside, with no look-up per cell.
    private var wide: [(cell: Int, text: String)] = []

    init(rowCapacity: Int = 0, bytesPerRow: Int = 0, cellsPerRow: Int = 0) {
        bytes.reserveCapacity(rowCapacity * bytesPerRow)
        ends.reserveCapacity(rowCapacity * cellsPerRow)
        rowEnds.reserveCapacity(rowCapacity)
    }

    /// Appends a cell to the current row.
    mutating func cell(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
        endCell(text)
    }

    /// Appends `TerminalText.clean(text)`: printable ASCII, nearly every cell, is safe as it
    /// is and is found so on its bytes, without a walk over its `Unicode.Scalar`s.
    mutating func safeCell(_ text: String) {
        let start = bytes.count
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
        if Self.isPlain(bytes[start...]) { return endCell(text, plain: true) }
        bytes.removeSubrange(start...)
        cell(TerminalText.clean(text))
    }

    /// Appends a cell whose bytes `write` appends (UTF-8), without making a `String` of it.
    mutating func cell(_ write: (inout [UInt8]) -> Void) {
        write(&bytes)
        endCell(nil)
    }

    /// Ends the current row; the next cell starts a new one.
    mutating func endRow() {
        rowEnds.append(ends.count)
    }

    /// Appends `other`'s rows after these: a table whose parts were built apart (a
    /// fleet's two halves, at once), laid out as one.
    mutating func append(contentsOf other: AlignedTable) {
        let byteOffset = bytes.count, cellOffset = ends.count
        bytes.append(contentsOf: other.bytes)
        ends.append(contentsOf: other.ends.lazy.map { $0 + byteOffset })
        rowEnds.append(contentsOf: other.rowEnds.lazy.map { $0 + cellOffset })
        wide.append(contentsOf: other.wide.lazy.map { ($0.cell + cellOffset, $0.text) })
        for (column, width) in other.widths.enumerated() {
            if column < widths.count { widths[column] = max(widths[column], width) } else { widths.append(width) }
        }
    }

    private static func isPlain(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy { (0x20...0x7E).contains($0) }
    }

    private mutating func endCell(_ text: String?, plain: Bool = false) {
        let start = ends.last ?? 0
        let column = ends.count - (rowEnds.last ?? 0)
        if widths.count <= column { widths.append(0) }
        let width: Int
        if plain || Self.isPlain(bytes[start...]) {
            width = bytes.count - start
        } else {
            let text = text ?? String(decoding: bytes[start...], as: UTF8.self)
            wide.append((ends.count, text))
            width = text.count
        }
        widths[column] = max(widths[column], width)
        ends.append(bytes.count)
    }

    /// The laid-out table, rows separated by `\n` (none after the last).
    var text: String {
        var text: [UInt8] = []
        layOut(chunk: Int.max) { text.append(contentsOf: $0) }
        return String(decoding: text, as: UTF8.self)
    }

    /// Hands the laid-out table to `sink` in pieces of about `chunk` bytes, in order.
    func layOut(chunk: Int = 1 << 20, into sink: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        var out = Output(capacity: min(chunk, max(bytes.count + bytes.count / 2, 64)) + 4096)
        var nextWide = 0
        try bytes.withUnsafeBufferPointer { bytes in
            var cellIndex = 0
            for (row, rowEnd) in rowEnds.enumerated() {
                if row > 0 { out.append(UInt8(ascii: "\n")) }
                let first = cellIndex
                while cellIndex < rowEnd {
                    let column = cellIndex - first
                    if column > 0 { out.pad(2) }
                    let start = cellIndex == 0 ? 0 : ends[cellIndex - 1], end = ends[cellIndex]
                    let isLast = cellIndex == rowEnd - 1
                    if nextWide < wide.count, wide[nextWide].cell == cellIndex {
                        var text = wide[nextWide].text
                        nextWide += 1
                        if !isLast { text = text.padding(toLength: widths[column], withPad: " ", startingAt: 0) }
                        text.withUTF8 { out.append($0) }
                    } else {
                        out.append(UnsafeBufferPointer(rebasing: bytes[start..<end]))
                        if !isLast { out.pad(widths[column] - (end - start)) }
                    }
                    cellIndex += 1
                }
                if out.count >= chunk {
                    try sink(out.bytes)
                    out.count = 0
                }
            }
        }
        if out.count > 0 { try sink(out.bytes) }
    }

    /// The laid-out bytes, written through a pointer: a million cells and paddings are
    /// copies with no array's uniqueness check, slice or retain around each.
    private struct Output: ~Copyable {
        private var base: UnsafeMutablePointer<UInt8>
        private var capacity: Int
        var count = 0

        init(capacity: Int) {
            self.capacity = max(capacity, 1)
            base = .allocate(capacity: self.capacity)
        }

        deinit { base.deallocate() }

        var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

        /// Room for `more` bytes after `count`, moving to a larger buffer when there is not.
        private mutating func reserve(_ more: Int) {
            guard more > capacity - count else { return }
            let grown = max(capacity * 2, count + more)
            let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            larger.initialize(from: base, count: count)
            base.deallocate()
            base = larger
            capacity = grown
        }

        mutating func append(_ byte: UInt8) {
            reserve(1)
            base[count] = byte
            count += 1
        }

        mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            reserve(bytes.count)
            (base + count).initialize(from: source, count: bytes.count)
            count += bytes.count
        }

        /// `width` spaces; none when it is 0 or less.
        mutating func pad(_ width: Int) {
            guard width > 0 else { return }
            reserve(width)
            (base + count).initialize(repeating: 0x20, count: width)
            count += width
        }
    }
}
