import Foundation

/// Rows of cells as text columns two spaces apart; the last column is not padded.
///
/// `status` prints one row per SIM, 100,000 of them in a fleet, so a cell of printable
/// ASCII (nearly all of them) is measured and padded on its bytes; any other cell keeps
/// the `Character` width and Foundation's padding it always had.
func alignedTable(_ rows: [[String]]) -> String {
    let columns = rows.map(\.count).max() ?? 0
    var widths = [Int](repeating: 0, count: columns)
    var bytes = 0
    for cells in rows {
        for (column, cell) in cells.enumerated() {
            widths[column] = max(widths[column], TableCell.isPlain(cell) ? cell.utf8.count : cell.count)
        }
    }
    for cells in rows { bytes += cells.count * 2 + 1 }
    bytes += rows.count * widths.reduce(0, +)
    var text = ""
    text.reserveCapacity(bytes)
    for (row, cells) in rows.enumerated() {
        if row > 0 { text += "\n" }
        for (column, cell) in cells.enumerated() {
            if column > 0 { text += "  " }
            if column == cells.count - 1 {
                text += cell
            } else if TableCell.isPlain(cell) {
                text += cell
                TableCell.appendSpaces(widths[column] - cell.utf8.count, to: &text)
            } else {
                text += cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
        }
    }
    return text
}

/// Measuring and padding a table cell without Foundation.
private enum TableCell {
    /// Printable ASCII: as many Characters (and UTF-16 units) as bytes.
    static func isPlain(_ cell: String) -> Bool {
        cell.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }

    /// Runs of 0 to 64 spaces, made once.
    private static let paddings = (0...64).map { String(repeating: " ", count: $0) }

    static func appendSpaces(_ count: Int, to text: inout String) {
        var left = count
        while left > 0 {
            let run = min(left, paddings.count - 1)
            text += paddings[run]
            left -= run
        }
    }
}
