/// Which thresholds already fired for a device in its current billing cycle.
///
/// A threshold fires once per cycle; a cycle reset clears the set and re-arms them all.
public struct ThresholdState: Codable, Sendable, Equatable, Hashable {
    /// `Threshold.key` of every threshold that fired this cycle.
    public var fired: Set<String>

    public init(fired: Set<String> = []) {
        self.fired = fired
    }
}
