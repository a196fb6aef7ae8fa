/// Splits a batch into the fewest messages a format's limits allow.
///
/// Events keep their order, and a message holds consecutive events; for an ordered
/// batch with additive sizes, filling each message before starting the next gives the
/// fewest messages.
struct MessagePacking {
    /// Most events in one message.
    var maxItems: Int
    /// Most size units (bytes or characters, as the format counts) in one message.
    var maxSize: Int = .max
    /// Size of a message with no events: envelope, header, reserved title.
    var overhead: Int = 0

    /// Consecutive index ranges of `costs`, one per message.
    ///
    /// An event that alone exceeds `maxSize` still gets a message of its own: never drop
    /// an event. Formatters cut event text so that this does not happen.
    func groups(costs: [Int]) -> [Range<Int>] {
        var groups: [Range<Int>] = []
        var start = 0
        var size = overhead
        for (index, cost) in costs.enumerated() {
            let count = index - start
            if count > 0, count >= maxItems || size + cost > maxSize {
                groups.append(start..<index)
                start = index
                size = overhead
            }
            size += cost
        }
        if start < costs.count { groups.append(start..<costs.count) }
        return groups
    }

    /// Groups of a batch whose events all cost the same: only the count limits.
    func groups(count: Int) -> [Range<Int>] {
        groups(costs: Array(repeating: 0, count: count))
    }
}
