#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SimWatchCore

/// The devices of a load read on two cores: a batch of held bytes is cut at a line, the
/// caller reads the members before the cut and a `SideThread` those after it.
///
/// The cut is a guess that a member starts there, which holds for every file simwatch
/// writes (one device per line) and is checked, never trusted: the caller's half must
/// end exactly where the side's half began. When it does not, or either half meets
/// anything it cannot read, the side's records are dropped and the plain one-by-one
/// reader goes on from the last member the caller read whole, so errors, positions and
/// records are exactly what it gives alone.
extension StateCodec {
    /// How a load splits the devices: `parallel` batches of `batchBytes` held bytes.
    package struct LoadSplit: Sendable {
        package var parallel: Bool
        /// A batch of 1 MiB is about 1,700 devices: a millisecond or so per half, while a
        /// hand-over costs microseconds; the window holds one batch more than before.
        package var batchBytes: Int

        /// The caller's part of a batch, in percent: it also puts the side's records of the
        /// batch before in the dictionary, about a third of the work of reading them.
        package var ownPercent: Int

        package init(parallel: Bool = SideThread.isWorthIt, batchBytes: Int = 1 << 20, ownPercent: Int = 40) {
            self.parallel = parallel
            self.batchBytes = max(batchBytes, 1)
            self.ownPercent = min(max(ownPercent, 0), 100)
        }
    }
}

extension StateFileReader {
    /// What one batch did.
    enum BatchOutcome {
        /// Both halves were read: go on with the next batch.
        case read
        /// Not worth it or not possible here: the one-by-one reader goes on from where the scanner is.
        case stop
    }

    /// Reads a batch of members of the devices object, both halves at once.
    ///
    /// The side's records are handed back in `pending`, in file order, and put in
    /// `devices` at the start of the next batch's own half, while the side reads on: the
    /// caller's half is the smaller for it (`ownPercent`), so both take about as long.
    /// `.stop` leaves nothing pending.
    mutating func readBatch(
        _ object: inout JSONScanner.Container, into devices: inout [String: DeviceRecord],
        pending: inout [(String, DeviceRecord)], split: StateCodec.LoadSplit, side: SideThread
    ) throws(StateFormatError) -> BatchOutcome {
        func insertPending() {
            for (iccid, record) in pending { devices[iccid] = record }
            pending.removeAll()
        }
        if let window { scanner = window.scanner(at: try window.hold(split.batchBytes, from: scanner.index)) }
        guard let cut = Self.cut(scanner.bytes, from: scanner.index, percent: split.ownPercent, minimum: split.batchBytes / 4) else {
            insertPending()
            return .stop
        }
        let bytes = scanner.bytes, known = knownICCIDs
        scanner.describesPositions = false
        let (sideHalf, reachedCut) = side.both({
            Self.readMembers(bytes, from: cut.start, before: cut.limit, knownICCIDs: known)
        }, alongside: { () -> Bool in
            insertPending()
            // After the last member read whole: where the one-by-one reader goes on if need be.
            var mark = (scanner: scanner, object: object)
            do throws(StateFormatError) {
                while let start = scanner.memberStart(in: object), start < cut.start {
                    _ = try nextDevice(&object, into: &devices)
                    mark = (scanner, object)
                }
            } catch {
                // The plain reader gives this error with its position, or finds that the
                // window ended inside the member.
                (scanner, object) = mark
                return false
            }
            return scanner.memberStart(in: object) == cut.start
        })
        guard reachedCut, let sideHalf else { return .stop }
        pending = sideHalf.records
        scanner.skip(to: sideHalf.end, pastMembersOf: &object)
        batchesRead += 1
        return .read
    }

    /// Where to cut `bytes` after `from`: at the first member key on a line of its own past
    /// the middle, with the side's half ending before the last line (which may be cut off
    /// by the window's end). `nil` when there are fewer than `minimum` bytes or no such line.
    private static func cut(
        _ bytes: UnsafeBufferPointer<UInt8>, from: Int, percent: Int, minimum: Int
    ) -> (start: Int, limit: Int)? {
        guard let base = bytes.baseAddress, bytes.count - from >= max(minimum, 2) else { return nil }
        // The last line is a device's at most, a few hundred bytes back from the end.
        var limit = bytes.count - 1
        while limit > from, base[limit] != 0x0A { limit -= 1 }
        // At most the window's size times 100: far from overflowing.
        let middle = from + (limit - from) * percent / 100
        guard let line = memchr(base + middle, 0x0A, limit - middle) else { return nil }
        var start = UnsafeRawPointer(base).distance(to: line) + 1
        while start < limit, base[start] == 0x20 || base[start] == 0x09 || base[start] == 0x0D { start += 1 }
        guard start < limit, base[start] == UInt8(ascii: "\"") else { return nil }
        return (start, limit)
    }

    /// The side's half: members from `from` (a key) while they start before `limit`, with
    /// where the last one ended; `nil` at anything it cannot read.
    private static func readMembers(
        _ bytes: UnsafeBufferPointer<UInt8>, from: Int, before limit: Int, knownICCIDs: KnownICCIDs
    ) -> (records: [(String, DeviceRecord)], end: Int)? {
        var reader = StateFileReader(scanner: JSONScanner(window: bytes, index: from, line: 1, column: 1), knownICCIDs: knownICCIDs)
        reader.scanner.describesPositions = false
        var object = JSONScanner.Container()
        var records: [(String, DeviceRecord)] = []
        records.reserveCapacity((limit - from) / 500)
        var end = from
        do throws(StateFormatError) {
            while let start = reader.scanner.memberStart(in: object), start < limit,
                  let member = try reader.nextMember(&object) {
                records.append(member)
                end = reader.scanner.index
            }
        } catch {
            return nil
        }
        return end > from ? (records, end) : nil
    }
}
