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
    var size = 0
    for cells in rows {
        for (column, cell) in cells.enumerated() {
            widths[column] = max(widths[column], TableCell.isPlain(cell) ? cell.utf8.count : cell.count)
        }
        size += cells.count * 2 + 1
    }
    size += rows.count * widths.reduce(0, +)
    var bytes: [UInt8] = []
    // Padding may only add; a wide cell's extra bytes may regrow the buffer once.
    bytes.reserveCapacity(size)
    for (row, cells) in rows.enumerated() {
        if row > 0 { bytes.append(UInt8(ascii: "\n")) }
        for (column, cell) in cells.enumerated() {
            if column > 0 { bytes.append(contentsOf: TableCell.gap) }
            if column == cells.count - 1 {
                bytes.append(contentsOf: cell.utf8)
            } else if TableCell.isPlain(cell) {
                bytes.append(contentsOf: cell.utf8)
                bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: max(0, widths[column] - cell.utf8.count)))
            } else {
                bytes.append(contentsOf: cell.padding(toLength: widths[column], withPad: " ", startingAt: 0).utf8)
            }
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Measuring a table cell without Foundation.
private enum TableCell {
    static let gap: [UInt8] = [0x20, 0x20]

    /// Printable ASCII: as many Characters (and UTF-16 units) as bytes.
    static func isPlain(_ cell: String) -> Bool {
        cell.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }
}
