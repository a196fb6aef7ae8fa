import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchState
import Synchronization

/// The per-SIM gauges of `metrics.per_device`, written straight into the exposition.
///
/// One series per SIM and metric does not go through the Prometheus registry: at 100,000
/// SIMs its per-series objects would cost more than the numbers, and a status change would
/// leave the old `simwatch_device_info` series behind. Here each SIM keeps only its latest
/// sample, so the old info series is gone at the next scrape.
///
/// - `simwatch_device_usage{iccid,device,metric}`: cycle-to-date usage, base units.
/// - `simwatch_device_plan_ratio{iccid,device,metric}`: usage / plan allowance (0.85 = 85 %).
/// - `simwatch_device_info{iccid,device,status,rate_plan}`: always 1.
/// - `simwatch_device_last_poll_timestamp_seconds{iccid,device}`.
public final class DeviceGauges: Sendable {
    private struct Table {
        var enabled = false
        var samples: [String: DeviceSample] = [:]
    }

    private let table = Mutex(Table())

    public init() {}

    /// Turns the gauges on or off (`metrics.per_device`); off forgets every sample.
    public func setEnabled(_ enabled: Bool) {
        table.withLock {
            $0.enabled = enabled
            if !enabled { $0.samples = [:] }
        }
    }

    public var isEnabled: Bool { table.withLock { $0.enabled } }

    func record(_ sample: DeviceSample) {
        table.withLock { if $0.enabled { $0.samples[sample.iccid] = sample } }
    }

    func retain(_ iccids: Set<String>) {
        table.withLock { $0.samples = $0.samples.filter { iccids.contains($0.key) } }
    }

    /// The four families, SIMs in ICCID order; nothing when off or empty.
    func emit(into buffer: inout [UInt8]) {
        let samples = table.withLock { $0.enabled ? Array($0.samples.values) : [] }
        guard !samples.isEmpty else { return }
        let sorted = samples.sorted { $0.iccid < $1.iccid }
        buffer.reserveCapacity(buffer.count + sorted.count * 600)
        family(&buffer, "simwatch_device_usage",
               "Cycle-to-date usage per SIM and metric, in base units (bytes, messages, seconds, sessions).")
        for sample in sorted {
            for metric in Metric.allCases {
                guard let value = sample.usage[metric] else { continue }
                line(&buffer, "simwatch_device_usage", sample, [("metric", metric.rawValue)], String(value))
            }
        }
        family(&buffer, "simwatch_device_plan_ratio", "Usage per SIM and metric as a fraction of its plan allowance (0.85 = 85 %).")
        for sample in sorted {
            for metric in Metric.allCases {
                guard let ratio = sample.planRatio[metric], ratio.isFinite else { continue }
                line(&buffer, "simwatch_device_plan_ratio", sample, [("metric", metric.rawValue)], "\(ratio)")
            }
        }
        family(&buffer, "simwatch_device_info", "Always 1; labels carry each SIM's last known status and rate plan.")
        for sample in sorted {
            line(&buffer, "simwatch_device_info", sample,
                 [("status", sample.status ?? ""), ("rate_plan", sample.ratePlan ?? "")], "1")
        }
        family(&buffer, "simwatch_device_last_poll_timestamp_seconds", "Unix time of each SIM's last successful poll.")
        for sample in sorted {
            guard let polledAt = sample.polledAt, polledAt.timeIntervalSince1970.isFinite else { continue }
            line(&buffer, "simwatch_device_last_poll_timestamp_seconds", sample, [],
                 String(HumanFormat.clampedInt64(polledAt.timeIntervalSince1970.rounded(.down))))
        }
    }

    private func family(_ buffer: inout [UInt8], _ name: String, _ help: String) {
        buffer.append(contentsOf: "# HELP \(name) \(help)\n# TYPE \(name) gauge\n".utf8)
    }

    private func line(_ buffer: inout [UInt8], _ name: String, _ sample: DeviceSample, _ extra: [(String, String)], _ value: String) {
        buffer.append(contentsOf: name.utf8)
        buffer.append(contentsOf: "{iccid=\"".utf8)
        Self.appendLabelValue(sample.iccid, to: &buffer)
        buffer.append(contentsOf: "\",device=\"".utf8)
        Self.appendLabelValue(sample.name, to: &buffer)
        for (label, text) in extra {
            buffer.append(contentsOf: "\",\(label)=\"".utf8)
            Self.appendLabelValue(text, to: &buffer)
        }
        buffer.append(contentsOf: "\"} ".utf8)
        buffer.append(contentsOf: value.utf8)
        buffer.append(UInt8(ascii: "\n"))
    }

    /// A label value in the text format's escaping: backslash, double quote and newline.
    static func appendLabelValue(_ text: String, to buffer: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\""): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            default: buffer.append(byte)
            }
        }
    }

    /// The sample of a device's stored record; `nil` before its first successful poll.
    public static func sample(device: DeviceEntry, record: DeviceRecord, plans: [String: PlanAllowance]) -> DeviceSample? {
        guard let last = record.last, !record.notFound else { return nil }
        var usage: [Metric: Int64] = [:]
        var ratio: [Metric: Double] = [:]
        let plan = last.ratePlan.flatMap { plans[$0] }
        for metric in Metric.allCases {
            guard let value = last.counter(metric) else { continue }
            usage[metric] = value
            if let limit = plan?.allowance(for: metric), limit > 0 { ratio[metric] = Double(value) / Double(limit) }
        }
        return DeviceSample(iccid: device.iccid, name: device.name ?? "", status: last.status, ratePlan: last.ratePlan,
                            usage: usage, planRatio: ratio, polledAt: record.observedAt)
    }
}
