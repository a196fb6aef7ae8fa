/// Random changes for demos and fleet benchmarks, so that a running daemon has something to alert on.
public struct ChurnSettings: Sendable, Equatable {
    /// Apply a round of changes this often after `start()`; `nil`: only when `tick()` is called.
    public var interval: Duration?
    /// Changes per round, at least 1.
    public var changesPerTick: Int
    /// Also at least this share of the fleet per round (0 to 1; anything else counts as 0):
    /// 0.0001 changes 10 of 100,000 SIMs a round.
    public var fleetShare: Double
    /// How often each kind of change is picked.
    public var weights: ChurnWeights
    /// Seeds the choice of devices and changes, so a demo run is reproducible.
    public var seed: UInt64

    public init(
        interval: Duration? = nil, changesPerTick: Int = 1, fleetShare: Double = 0,
        weights: ChurnWeights = .standard, seed: UInt64 = 1
    ) {
        self.interval = interval
        self.changesPerTick = changesPerTick
        self.fleetShare = fleetShare
        self.weights = weights
        self.seed = seed
    }

    /// Changes in one round for a fleet of `fleetSize`, never more than the fleet.
    func changes(fleetSize: Int) -> Int {
        let share = fleetShare.isFinite && fleetShare > 0 ? min(fleetShare, 1) : 0
        let byShare = Int((share * Double(max(0, fleetSize))).rounded())
        return min(max(1, changesPerTick, byShare), max(1, fleetSize))
    }
}

/// Relative weights of the kinds of change a churn round makes.
public struct ChurnWeights: Sendable, Equatable {
    /// ACTIVATED <-> DEACTIVATED: a modification (Search Devices lists the SIM).
    public var status: Int
    /// The overage flag flips: not a modification.
    public var overage: Int
    /// Another rate plan: a modification.
    public var ratePlan: Int

    /// Weights below 0 count as 0; all 0 means status changes only.
    public init(status: Int, overage: Int, ratePlan: Int) {
        self.status = max(0, min(status, 1_000_000))
        self.overage = max(0, min(overage, 1_000_000))
        self.ratePlan = max(0, min(ratePlan, 1_000_000))
        if self.status + self.overage + self.ratePlan == 0 { self.status = 1 }
    }

    /// The demo's mix: half status flips, a third overage flips, the rest plan changes.
    public static let standard = ChurnWeights(status: 50, overage: 35, ratePlan: 15)
    /// Status changes only: the fleet benchmark's status churn.
    public static let statusOnly = ChurnWeights(status: 1, overage: 0, ratePlan: 0)

    var total: Int { status + overage + ratePlan }
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
    /// Makes one round of random changes (`ChurnSettings.changes(fleetSize:)`, 1 when churn is
    /// not configured): a status flip between ACTIVATED and DEACTIVATED, an overage flag flip,
    /// or a rate plan change, picked by `ChurnSettings.weights`. Status and plan changes are
    /// modifications, so Search Devices lists those SIMs again.
    @discardableResult
    public func tick() -> [ChurnChange] {
        let ids = iccids
        guard !ids.isEmpty else { return [] }
        let weights = churn?.weights ?? .standard
        var changes: [ChurnChange] = []
        for _ in 0..<(churn?.changes(fleetSize: ids.count) ?? 1) {
            let iccid = ids[Int.random(in: 0..<ids.count, using: &churnRandom)]
            let roll = Int.random(in: 0..<weights.total, using: &churnRandom)
            let planPick = Int.random(in: 1..<DeviceGenerator.ratePlans.count, using: &churnRandom)
            update(iccid) { device in
                if roll < weights.status {
                    let next = device.status == "ACTIVATED" ? "DEACTIVATED" : "ACTIVATED"
                    changes.append(ChurnChange(iccid: iccid, field: "status", previous: device.status, current: next))
                    device.status = next
                } else if roll < weights.status + weights.overage {
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
