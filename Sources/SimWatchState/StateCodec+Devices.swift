import SimWatchCore

/// The devices section of a save, the bulk of the file: on two cores, in batches whose
/// halves are written at once, one by the caller and one by a `SideThread`.
extension StateCodec {
    /// How a save splits the devices: `parallel` batches of twice `batchDevices`.
    package struct SaveSplit: Sendable {
        package var parallel: Bool
        /// Devices per half batch: 512 lines are about 300 KB, so a batch is a millisecond
        /// or so of work per thread, and a hand-over costs microseconds.
        package var batchDevices: Int

        package init(parallel: Bool = SideThread.isWorthIt, batchDevices: Int = 512) {
            self.parallel = parallel
            self.batchDevices = max(batchDevices, 1)
        }
    }

    /// The devices' lines in ICCID order (`order`), drained into `sink` whenever `writer`
    /// holds `chunkBytes`. The file is the same byte for byte however it is split.
    static func writeDevices<E: Error>(
        _ snapshot: StateSnapshot, in order: [Int], split: SaveSplit = SaveSplit(), to writer: inout JSONByteWriter,
        chunkBytes: Int, sink: ([UInt8]) throws(E) -> Void
    ) throws(E) {
        let iccids = snapshot.iccids
        // The records stay where they are, borrowed from the list, not copied.
        try snapshot.records.withUnsafeBufferPointer { (records) throws(E) in
            func write(_ positions: Range<Int>, to writer: inout JSONByteWriter) {
                for position in positions {
                    let index = order[position]
                    writer.raw(position == 0 ? "\n    " : ",\n    ")
                    writer.string(iccids[index])
                    writer.raw(": ")
                    writeDevice(records[index], to: &writer)
                }
            }
            let batch = split.batchDevices
            guard split.parallel, order.count >= 2 * batch else {
                for position in order.indices {
                    write(position..<position + 1, to: &writer)
                    if writer.count >= chunkBytes { try writer.drain(into: sink) }
                }
                return
            }
            try SideThread.withSideThread { (side) throws(E) in
                var sideWriter = JSONByteWriter(capacity: batch * 640)
                var start = 0
                while start < order.count {
                    let end = min(start + 2 * batch, order.count), middle = min(start + batch, end)
                    // The snapshot is not changed while it is saved: both halves only read it.
                    side.both({ write(middle..<end, to: &sideWriter) }, alongside: { write(start..<middle, to: &writer) })
                    // Streamed, both halves go to the sink as they are, not copied together.
                    if writer.count + sideWriter.count >= chunkBytes {
                        try writer.drain(into: sink)
                        try sideWriter.drain(into: sink)
                    } else {
                        writer.append(sideWriter)
                        sideWriter.removeAll()
                    }
                    start = end
                }
            }
        }
    }
}
