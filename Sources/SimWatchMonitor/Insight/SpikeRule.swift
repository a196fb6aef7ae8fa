import Foundation
import SimWatchCore
import SimWatchState

/// Two consecutive observations of one metric of one device.
public struct RateSample: Sendable, Equatable {
    public var previousValue: Int64
    public var previousAt: Date
    public var value: Int64
    public var at: Date
    /// Both observations fall in the same billing cycle.
    public var sameCycle: Bool

    public init(previousValue: Int64, previousAt: Date, value: Int64, at: Date, sameCycle: Bool) {
        self.previousValue = previousValue
        self.previousAt = previousAt
        self.value = value
        self.at = at
        self.sameCycle = sameCycle
    }
}

/// A judged spike: the rate between the last two observations against the baseline.
public struct Spike: Sendable, Equatable {
    public var value: Int64
    /// Growth since the previous observation, base units.
    public var increase: Int64
    public var ratePerHour: Double
    public var baselinePerHour: Double
    /// `ratePerHour` / `baselinePerHour`.
    public var factor: Double
}

/// `usage_spike` (DESIGN.md "Insight"): a pure rule over a device's own baseline.
///
/// The baseline is the exponentially weighted mean (α 0.3) of the earlier rates and needs
/// at least 3 of them; a spike is a rate of at least `factor` × baseline that also grew by
/// `min_increase`, at most once per 24 h. A rate is taken only within one billing cycle
/// and over a positive time; the spike's own rate joins the baseline after it is judged.
/// A baseline of 0 (a SIM that was idle) is no baseline: waking up is not a spike.
public enum SpikeRule {
    public static let alpha = 0.3
    public static let minimumRates = 3
    public static let quietPeriod: TimeInterval = 24 * 3600
    /// Rates are held below this, so that `factor × baseline` stays finite.
    static let maxRate = 1e30

    /// Judges `sample` against `baseline`, then takes its rate into the baseline.
    public static func judge(_ sample: RateSample, baseline: inout SpikeBaseline, factor: Double, minIncrease: Int64) -> Spike? {
        guard sample.sameCycle, sample.value >= 0, sample.previousValue >= 0, sample.value >= sample.previousValue else { return nil }
        let elapsed = sample.at.timeIntervalSince(sample.previousAt)
        guard elapsed.isFinite, elapsed > 0 else { return nil }
        // Both are 0 ... Int64.max and value ≥ previous: the difference fits.
        let increase = sample.value - sample.previousValue
        let rate = min(Double(increase) / elapsed * 3600, maxRate)
        var spike: Spike?
        let quiet = baseline.spikedAt.map { sample.at.timeIntervalSince($0) >= quietPeriod } ?? true
        if baseline.rates >= minimumRates, baseline.perHour > 0, factor.isFinite, factor > 0,
           rate >= factor * baseline.perHour, increase >= minIncrease, quiet {
            spike = Spike(value: sample.value, increase: increase, ratePerHour: rate, baselinePerHour: baseline.perHour,
                          factor: rate / baseline.perHour)
            baseline.spikedAt = sample.at
        }
        baseline.perHour = baseline.rates == 0 ? rate : min(alpha * rate + (1 - alpha) * baseline.perHour, maxRate)
        baseline.rates = min(baseline.rates + 1, SpikeBaseline.maxRates)
        return spike
    }
}
