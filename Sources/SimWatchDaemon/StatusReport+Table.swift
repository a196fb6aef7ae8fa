import Foundation
import SimWatchCore

extension StatusReport {
    /// The rows as an aligned text table, with a one-line summary under it.
    public func table(now: Date = Date()) -> String {
        var text: [UInt8] = []
        writeTable(now: now) { text.append(contentsOf: $0) }
        return String(decoding: text, as: UTF8.self)
    }

    /// `table(now:)` handed to `sink` in large pieces, in order, without the whole text in memory.
    ///
    /// A fleet's table is 11 MB: `status` writes it out as it is laid out, with no `String`
    /// per cell, no copy of the whole and no flush per line.
    public func writeTable(now: Date = Date(), to sink: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        try writeTable(now: now, splitFrom: Self.splitFrom, to: sink)
    }

    /// Cells made in two halves at once from `splitFrom` rows on.
    func writeTable(now: Date, splitFrom: Int, to sink: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        let split = SideThread.splitPoint(rows.count, parallel: splitFrom < .max, minimum: splitFrom)
        var table = AlignedTable(rowCapacity: split + 1, bytesPerRow: 112, cellsPerRow: 11)
        for title in ["ICCID", "NAME", "STATUS", "DATA", "SMS", "VOICE", "OVERAGE", "CYCLE", "OBSERVED", "NEXT POLL", "THRESHOLDS"] {
            table.cell(title)
        }
        table.endRow()
        if split == rows.count {
            addRows(0..<split, now: now, to: &table)
        } else {
            var rest = AlignedTable(rowCapacity: rows.count - split, bytesPerRow: 112, cellsPerRow: 11)
            SideThread.withSideThread(parallel: true) { side in
                side.both({ addRows(split..<rows.count, now: now, to: &rest) }, alongside: { addRows(0..<split, now: now, to: &table) })
            }
            table.append(contentsOf: rest)
        }
        try table.layOut(into: sink)
        var summary = Array("\n\n\(rows.count) devices, \(outbox) events waiting for delivery, \(deadLetters) dead letters, ".utf8)
        if let lastSuccessfulCycleAt {
            summary.append(contentsOf: "last successful cycle ".utf8)
            Self.age(lastSuccessfulCycleAt, now: now, to: &summary)
        } else {
            summary.append(contentsOf: "no successful cycle yet".utf8)
        }
        try summary.withUnsafeBufferPointer { try sink($0) }
    }

    /// The cells of `rows[range]`, a row each.
    private func addRows(_ range: Range<Int>, now: Date, to table: inout AlignedTable) {
        var days = DayNames(billing: billing)
        for row in rows[range] {
            // Only text from the configuration or the state file can hold control characters;
            // the cells made here are ASCII already.
            table.safeCell(row.iccid)
            table.safeCell(row.name ?? "-")
            table.safeCell(row.notFound ? "NOT FOUND" : row.status ?? "-")
            table.cell { Self.usage(row.dataBytes, row.dataPercent, to: &$0) { HumanFormat.append(bytes: $0, to: &$1) } }
            table.cell { Self.usage(row.sms, row.smsPercent, to: &$0) { $1.append(contentsOf: String($0).utf8) } }
            table.cell { Self.usage(row.voiceSeconds, row.voicePercent, to: &$0) { HumanFormat.append(seconds: $0, to: &$1) } }
            table.cell(row.overageLimitReached.map { $0 ? "REACHED" : "no" } ?? "-")
            table.cell(days.cycleCell(row))
            table.cell { text in
                guard let observedAt = row.observedAt else { return text.append(contentsOf: "never".utf8) }
                Self.age(observedAt, now: now, to: &text)
            }
            table.cell { text in
                guard let due = row.nextPollDue else { return text.append(contentsOf: "next cycle".utf8) }
                Self.until(due, now: now, to: &text)
            }
            table.safeCell(row.thresholdsFired.isEmpty ? "-" : row.thresholdsFired.joined(separator: ","))
            table.endRow()
        }
    }

    /// `812.3 MB (81.2%)`, or `-` when there is no value.
    private static func usage(
        _ value: Int64?, _ percent: Double?, to text: inout [UInt8], _ write: (Int64, inout [UInt8]) -> Void
    ) {
        guard let value else { return text.append(UInt8(ascii: "-")) }
        write(value, &text)
        guard let percent else { return }
        text.append(contentsOf: " (".utf8)
        HumanFormat.append(decimal: percent, to: &text)
        text.append(contentsOf: "%)".utf8)
    }

    /// `in 2h 5m`, or `due` once the time has come.
    private static func until(_ date: Date, now: Date, to text: inout [UInt8]) {
        let wait = date.timeIntervalSince(now)
        guard wait.isFinite, wait >= 1 else { return text.append(contentsOf: "due".utf8) }
        text.append(contentsOf: "in ".utf8)
        HumanFormat.append(seconds: Int64(min(wait, 1e15)), to: &text)
    }

    /// `4m 52s ago`.
    private static func age(_ date: Date, now: Date, to text: inout [UInt8]) {
        // A hostile or damaged state file may hold any date: keep the age a printable number.
        let age = now.timeIntervalSince(date)
        let seconds = age.isFinite ? Int64(min(max(0, age), 1e15)) : 0
        HumanFormat.append(seconds: seconds, to: &text)
        text.append(contentsOf: " ago".utf8)
    }
}
