import Foundation

/// Rows of cells as text columns two spaces apart; the last column is not padded.
///
/// `status` prints one row per SIM, 100,000 of them in a fleet, so the table is laid out
/// in one byte buffer, and a cell of printable ASCII (nearly all of them) is measured and
/// padded on its bytes; any other cell keeps the `Character` width and Foundation's
/// padding it always had.
func alignedTable(_ rows: [[String]]) -> String {
    let columns = rows.map(\.count).max() ?? 0
    var widths = [Int](repeating: 0, count: columns)
    for cells in rows {
        for (column, cell) in cells.enumerated() {
            widths[column] = max(widths[column], TableCell.isPlain(cell) ? cell.utf8.count : cell.count)
        }
    }
    // The exact size first, so the text is written once into its own storage (no copy of
    // 10 MB at a fleet); the rare cell that is not plain ASCII is padded here, once.
    var padded: [Int: String] = [:]
    var size = max(rows.count - 1, 0)
    for (row, cells) in rows.enumerated() {
        size += max(cells.count - 1, 0) * TableCell.gap.count
        for (column, cell) in cells.enumerated() {
            if column == cells.count - 1 {
                size += cell.utf8.count
            } else if TableCell.isPlain(cell) {
                size += max(widths[column], cell.utf8.count)
            } else {
                let text = cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                padded[row * columns + column] = text
                size += text.utf8.count
            }
        }
    }
    return String(unsafeUninitializedCapacity: size) { buffer in
        var end = 0
        func write(_ bytes: some Collection<UInt8>) {
            end = buffer[end...].initialize(fromContentsOf: bytes)
        }
        for (row, cells) in rows.enumerated() {
            if row > 0 { write(CollectionOfOne(UInt8(ascii: "\n"))) }
            for (column, cell) in cells.enumerated() {
                if column > 0 { write(TableCell.gap) }
                if let text = padded[row * columns + column] {
                    write(text.utf8)
                } else {
                    write(cell.utf8)
                    if column < cells.count - 1 {
                        write(repeatElement(UInt8(ascii: " "), count: max(0, widths[column] - cell.utf8.count)))
                    }
                }
            }
        }
        return end
    }
}

/// Measuring a table cell without Foundation.
private enum TableCell {
    static let gap: [UInt8] = [0x20, 0x20]

    /// Printable ASCII: as many Characters (and UTF-16 units) as bytes.
    static func isPlain(_ cell: String) -> Bool {
        cell.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }
}
