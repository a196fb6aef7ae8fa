/// Makes a fleet of plausible, reproducible devices: same seed and index, same device.
///
/// ICCIDs depend only on the index, so a demo configuration stays valid across seeds:
/// most are 19 digits (`898821671697` + 7-digit index), every tenth is 20 digits
/// (`89011704` + 12-digit index). Attributes and usage come from the seed.
public enum DeviceGenerator {
    /// Rate plans the generated devices use.
    public static let ratePlans = ["hphlr rp1", "iot-1GB", "iot-10GB"]

    /// The ICCID of the device with 1-based `index`.
    public static func iccid(index: Int) -> String {
        index % 10 == 0
            ? "89011704" + zeroPadded(index, width: 12)
            : "898821671697" + zeroPadded(index, width: 7)
    }

    /// The device with 1-based `index` for `seed`; with a `mix`, its usage follows its profile
    /// (see `profile(index:seed:mix:)`), without one every active device grows 1-20 MB an hour.
    public static func device(index: Int, seed: UInt64, mix: SimulatedUsageMix? = nil) -> SimulatedDevice {
        var device = uniformDevice(index: index, seed: seed)
        if let mix { apply(profile(index: index, seed: seed, mix: mix), index: index, seed: seed, to: &device) }
        return device
    }

    private static func uniformDevice(index: Int, seed: UInt64) -> SimulatedDevice {
        var random = stream(index: index, seed: seed, salt: 0)
        let statusRoll = Int.random(in: 0..<100, using: &random)
        let status = switch statusRoll {
        case ..<88: "ACTIVATED"
        case ..<92: "ACTIVATION_READY"
        case ..<95: "TEST_READY"
        case ..<98: "DEACTIVATED"
        default: "INVENTORY"
        }
        let imei = Int.random(in: 0..<10, using: &random) < 3
            ? "" : "35" + zeroPadded(Int.random(in: 0..<10_000_000_000_000, using: &random), width: 13)
        let overrideRoll = Int.random(in: 0..<100, using: &random)
        let active = status == "ACTIVATED"
        return SimulatedDevice(
            iccid: iccid(index: index),
            imsi: "90116" + zeroPadded(index, width: 10),
            msisdn: "88235" + zeroPadded(index, width: 10),
            imei: imei,
            status: status,
            ratePlan: ratePlans[Int.random(in: 0..<ratePlans.count, using: &random)],
            communicationPlan: "CP_Basic_ON",
            ctdDataUsage: active ? Int64.random(in: 0..<300_000_000, using: &random) : 0,
            ctdSMSUsage: active ? Int64.random(in: 0..<50, using: &random) : 0,
            ctdVoiceUsage: active ? Int64.random(in: 0..<600, using: &random) : 0,
            ctdSessionCount: Int.random(in: 0..<5, using: &random) == 0
                ? nil : (active ? Int64.random(in: 0..<40, using: &random) : 0),
            overageLimitReached: active && Int.random(in: 0..<100, using: &random) < 3,
            overageLimitOverride: overrideRoll < 90 ? "DEFAULT" : overrideRoll < 97 ? "TEMPORARY_OVERRIDE" : "PERMANENT_OVERRIDE",
            growth: active ? UsageGrowth(
                dataBytesPerHour: Double.random(in: 1_000_000..<20_000_000, using: &random),
                smsPerHour: Double.random(in: 0..<2, using: &random),
                voiceSecondsPerHour: Double.random(in: 0..<60, using: &random),
                sessionsPerHour: Double.random(in: 0..<3, using: &random)
            ) : .none
        )
    }

    /// How long before the simulator's start the device with `index` was last modified:
    /// up to a year, so that an old `modifiedSince` lists the whole fleet in a stable order.
    public static func modificationAge(index: Int, seed: UInt64) -> Double {
        var random = stream(index: index, seed: seed, salt: 0xA6E)
        return Double.random(in: 0..<365 * 86_400, using: &random).rounded()
    }

    static func zeroPadded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension DeviceGenerator {
    /// An independent random stream per device and purpose: adding a purpose never shifts the others.
    static func stream(index: Int, seed: UInt64, salt: UInt64) -> SplitMix64 {
        SplitMix64(seed: (seed ^ salt &* 0xD1B5_4A32_D192_ED03) &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15)
    }
}

/// A small, fast, seedable generator (SplitMix64) so that a seed means the same fleet everywhere.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
