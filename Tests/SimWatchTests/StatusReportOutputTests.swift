import Foundation
import Testing
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchDaemon
@testable import SimWatchState

/// `status` writes its table and JSON on bytes, in pieces; the text is what it was.
@Suite struct StatusReportOutputTests {
    /// What `json()` wrote before it was written on bytes: the encoder's text.
    static func encoderJSON(_ rows: [StatusReport.Row]) throws -> String {
        String(decoding: try JSONEncoder.simwatch(pretty: true).encode(rows), as: UTF8.self)
    }

    static func report(rows: [StatusReport.Row]) -> StatusReport {
        let (config, state) = StatusReportFleetTests.fleet(rateLimit: 5)
        var report = StatusReport(config: config, state: state, now: StatusReportFleetTests.now)
        report.rows = rows
        return report
    }

    static func row(_ iccid: String) -> StatusReport.Row {
        StatusReport.Row(
            iccid: iccid, notFound: false, thresholdsFired: [], nextPollDue: nil)
    }

    @Test(arguments: [5.0, 1.0])
    func jsonIsTheEncodersOverAFleet(rateLimit: Double) throws {
        let (config, state) = StatusReportFleetTests.fleet(rateLimit: rateLimit)
        let report = StatusReport(config: config, state: state, now: StatusReportFleetTests.now)
        #expect(try report.json() == Self.encoderJSON(report.rows))
    }

    @Test func jsonOfNoRowsAndOfOddValuesIsTheEncoders() throws {
        #expect(try Self.report(rows: []).json() == Self.encoderJSON([]))
        var odd = Self.row("8988\"\\\u{01}\n\u{7F}\u{2028}é🚚/")
        odd.name = "lkw \"müller\"\t\\"
        odd.status = ""
        odd.ratePlan = "plan/1"
        odd.dataBytes = .max
        odd.dataPercent = -0.0
        odd.sms = .min
        odd.smsPercent = 1e16
        odd.voiceSeconds = 0
        odd.voicePercent = 123_456_789_012.5
        odd.overageLimitReached = true
        odd.notFound = true
        odd.observedAt = Date(timeIntervalSince1970: -1e12)
        odd.thresholdsFired = ["data>=80%", "sms>=1", "\u{1B}[2J"]
        odd.nextPollDue = Date(timeIntervalSince1970: 4e11)
        odd.cycleProgressPercent = .leastNonzeroMagnitude
        odd.cycleEndsAt = Date(timeIntervalSince1970: 1_796_000_000.75)
        var small = Self.row("1")
        small.cycleProgressPercent = 1e15
        small.smsPercent = 0.1
        small.thresholdsFired = ["x"]
        let rows = [odd, small, Self.row("2")]
        #expect(try Self.report(rows: rows).json() == Self.encoderJSON(rows))
    }

    @Test func aPercentJSONCannotHoldFailsAsTheEncoderDid() {
        var row = Self.row("1")
        row.dataPercent = .nan
        #expect(throws: EncodingError.self) { try Self.report(rows: [row]).json() }
        #expect(throws: EncodingError.self) { try Self.encoderJSON([row]) }
    }

    @Test func writtenInPiecesTheTableAndJSONAreTheWholeText() throws {
        let (config, state) = StatusReportFleetTests.fleet(rateLimit: 5)
        let report = StatusReport(config: config, state: state, now: StatusReportFleetTests.now)
        var table: [UInt8] = [], json: [UInt8] = []
        report.writeTable(now: StatusReportFleetTests.now) { table.append(contentsOf: $0) }
        try report.writeJSON { json.append(contentsOf: $0) }
        #expect(String(decoding: table, as: UTF8.self) == report.table(now: StatusReportFleetTests.now))
        #expect(String(decoding: json, as: UTF8.self) == (try report.json()))
    }

    /// Cells that are not printable ASCII keep their `Character` width and Foundation's padding.
    @Test func tableLaidOutInSmallPiecesMatchesTheStringLayout() {
        let rows = [["ICCID", "NAME", "X"], ["1", "site #1 🚚", "ü"], ["22", "lkw-müller", ""], ["333"], [],
                    ["4", "\u{1B}x", "last column ünpadded"]]
        func reference() -> String {
            let columns = rows.map(\.count).max() ?? 0
            var widths = [Int](repeating: 0, count: columns)
            for cells in rows {
                for (column, cell) in cells.enumerated() { widths[column] = max(widths[column], cell.count) }
            }
            return rows.map { cells in
                cells.enumerated().map { column, cell in
                    column == cells.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                }.joined(separator: "  ")
            }.joined(separator: "\n")
        }
        var table = AlignedTable()
        for cells in rows {
            for (column, cell) in cells.enumerated() {
                if column % 2 == 0 { table.cell(cell) } else { table.cell { $0.append(contentsOf: cell.utf8) } }
            }
            table.endRow()
        }
        var pieces: [UInt8] = []
        var count = 0
        table.layOut(chunk: 7) { pieces.append(contentsOf: $0); count += 1 }
        #expect(count > 2)
        #expect(String(decoding: pieces, as: UTF8.self) == reference())
        #expect(table.text == reference())
        #expect(alignedTable(rows) == reference())
        #expect(alignedTable([]) == "")
    }

    @Test func humanFormatBytesAreItsStrings() {
        for value: Int64 in [0, 1, 59, 60, 61, 3599, 3600, 3660, 999_999, 812_300_000, -5, .max, .min] {
            var bytes: [UInt8] = [], seconds: [UInt8] = []
            HumanFormat.append(bytes: value, to: &bytes)
            HumanFormat.append(seconds: value, to: &seconds)
            #expect(String(decoding: bytes, as: UTF8.self) == HumanFormat.bytes(value))
            #expect(String(decoding: seconds, as: UTF8.self) == HumanFormat.seconds(value))
        }
        #expect(HumanFormat.seconds(3660) == "1h 1m")
        #expect(HumanFormat.seconds(-125) == "-2m 5s")
        #expect(HumanFormat.bytes(812_300_000) == "812.3 MB")
        #expect(HumanFormat.decimal(-0.04) == "0")
        #expect(HumanFormat.decimal(1e300) == String(format: "%.0f", 1e300))
    }
}

/// A fleet's report made in two halves at once is the one made in one piece.
@Suite struct StatusReportSplitTests {
    @Test(arguments: [2, 1_749, 3_499])
    func halvesMakeTheSameRowsAndTable(splitFrom: Int) {
        let (config, state) = StatusReportFleetTests.fleet(rateLimit: 5)
        let now = StatusReportFleetTests.now
        let whole = StatusReport(config: config, state: state, now: now, splitFrom: .max)
        let halves = StatusReport(config: config, state: state, now: now, splitFrom: splitFrom)
        #expect(halves.rows == whole.rows)
        #expect(halves.rows.count == 3_500)
        func table(_ report: StatusReport, splitFrom: Int) -> [UInt8] {
            var text: [UInt8] = []
            report.writeTable(now: now, splitFrom: splitFrom) { text.append(contentsOf: $0) }
            return text
        }
        let expected = table(whole, splitFrom: .max)
        #expect(table(whole, splitFrom: splitFrom) == expected)
        #expect(String(decoding: expected, as: UTF8.self).contains("lkw-2-müller"))
    }

    /// Column widths come from both halves: the widest cell may be in either.
    @Test func widthsComeFromBothHalves() {
        var first = AlignedTable(), second = AlignedTable(), whole = AlignedTable()
        for (table, cells) in [(0, ["a", "bb", "c"]), (1, ["dddd", "é✓ wide", "f"]), (1, ["g", "h", "i"])] {
            for cell in cells {
                if table == 0 { first.cell(cell) } else { second.cell(cell) }
                whole.cell(cell)
            }
            if table == 0 { first.endRow() } else { second.endRow() }
            whole.endRow()
        }
        first.append(contentsOf: second)
        #expect(first.text == whole.text)
        #expect(first.text == "a     bb       c\ndddd  é✓ wide  f\ng     h        i")
    }
}
