/// Random changes for demos, so that a running daemon has something to alert on.
public struct ChurnSettings: Sendable, Equatable {
    /// Apply `changesPerTick` changes this often after `start()`; `nil`: only when `tick()` is called.
    public var interval: Duration?
    public var changesPerTick: Int
    /// Seeds the choice of devices and changes, so a demo run is reproducible.
    public var seed: UInt64

    public init(interval: Duration? = nil, changesPerTick: Int = 1, seed: UInt64 = 1) {
        self.interval = interval
        self.changesPerTick = changesPerTick
        self.seed = seed
    }
}

/// One change that `tick()` made to a device.
public struct ChurnChange: Sendable, Equatable, CustomStringConvertible {
    public var iccid: String
    /// `status`, `overageLimitReached` or `ratePlan`.
    public var field: String
    public var previous: String
    public var current: String

    public var description: String { "\(iccid): \(field) \(previous) -> \(current)" }

    var json: String {
        JSONText.object([
            ("iccid", JSONText.string(iccid)), ("field", JSONText.string(field)),
            ("previous", JSONText.string(previous)), ("current", JSONText.string(current)),
        ])
    }
}

extension ControlCenterSimulator {
    /// Makes `churn.changesPerTick` random changes (1 when churn is not configured): a status
    /// flip between ACTIVATED and DEACTIVATED, an overage flag flip, or a rate plan change.
    @discardableResult
    public func tick() -> [ChurnChange] {
        let ids = iccids
        guard !ids.isEmpty else { return [] }
        var changes: [ChurnChange] = []
        for _ in 0..<max(1, churn?.changesPerTick ?? 1) {
            let iccid = ids[Int.random(in: 0..<ids.count, using: &churnRandom)]
            let roll = Int.random(in: 0..<100, using: &churnRandom)
            let planPick = Int.random(in: 1..<DeviceGenerator.ratePlans.count, using: &churnRandom)
            update(iccid) { device in
                if roll < 50 {
                    let next = device.status == "ACTIVATED" ? "DEACTIVATED" : "ACTIVATED"
                    changes.append(ChurnChange(iccid: iccid, field: "status", previous: device.status, current: next))
                    device.status = next
                } else if roll < 85 {
                    let next = !device.overageLimitReached
                    changes.append(ChurnChange(
                        iccid: iccid, field: "overageLimitReached",
                        previous: String(device.overageLimitReached), current: String(next)
                    ))
                    device.overageLimitReached = next
                } else {
                    let plans = DeviceGenerator.ratePlans
                    let index = ((plans.firstIndex(of: device.ratePlan) ?? 0) + planPick) % plans.count
                    changes.append(ChurnChange(
                        iccid: iccid, field: "ratePlan", previous: device.ratePlan, current: plans[index]
                    ))
                    device.ratePlan = plans[index]
                }
            }
        }
        return changes
    }
}
