import Foundation
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchMonitor

/// Shared records and helpers for the Detector and EventFactory tests.
enum DetectorFixtures {
    static let iccid = "8988216716970004975"
    static let named = DeviceEntry(iccid: iccid, name: "truck-17", labels: ["site": "berlin"])
    static let unnamed = DeviceEntry(iccid: iccid)
    static let observedAt = Date(timeIntervalSince1970: 1_795_000_000)
    static let megabyte: Int64 = 1_000_000
    static let gigabyte: Int64 = 1_000_000_000
    /// A fixed state file epoch, so ids can be pinned.
    static let epoch = "00112233445566778899aabbccddeeff"

    /// A healthy record; tests change only the fields they are about.
    static func record(
        status: String? = "ACTIVATED", ratePlan: String? = "hphlr rp1", communicationPlan: String? = "CP1",
        imei: String? = "351756051523999", data: Int64? = 0, sms: Int64? = 0, voice: Int64? = 0,
        sessions: Int64? = 0, overage: Bool? = false, override: String? = "DEFAULT"
    ) -> DeviceUsage {
        DeviceUsage(
            iccid: iccid, imsi: "240080000000001", msisdn: "46700000001", imei: imei, status: status,
            ratePlan: ratePlan, communicationPlan: communicationPlan, ctdDataUsage: data,
            ctdSMSUsage: sms, ctdVoiceUsage: voice, ctdSessionCount: sessions,
            overageLimitReached: overage, overageLimitOverride: override
        )
    }

    static func detect(
        _ previous: DeviceUsage?, _ current: DeviceUsage, rules: DetectionRules = DetectionRules(),
        state: ThresholdState = ThresholdState(), device: DeviceEntry = named, observation: Int = 2,
        epoch: String = epoch
    ) -> Detection {
        Detector.detect(
            DetectionInput(
                device: device, previous: previous, current: current, thresholdState: state,
                observation: observation, observedAt: observedAt, epoch: epoch
            ),
            rules: rules
        )
    }

    /// Observes `records` one after another, as the daemon would, starting from nothing:
    /// each is judged against the stored record, which keeps every field's last known value.
    static func observeSequence(_ records: [DeviceUsage], rules: DetectionRules) -> [Detection] {
        var previous: DeviceUsage?
        var state = ThresholdState()
        var detections: [Detection] = []
        for (index, record) in records.enumerated() {
            let detection = detect(previous, record, rules: rules, state: state, observation: index + 1)
            detections.append(detection)
            previous = record.keepingKnownValues(of: previous)
            state = detection.thresholdState
        }
        return detections
    }
}

/// What a test expects of one event: enough to tell events apart, nothing incidental.
struct ExpectedEvent: Equatable, CustomStringConvertible {
    var kind: EventKind
    var severity: Severity
    var previous: EventValue?
    var current: EventValue?

    init(_ kind: EventKind, _ severity: Severity, _ previous: EventValue? = nil, _ current: EventValue? = nil) {
        self.kind = kind
        self.severity = severity
        self.previous = previous
        self.current = current
    }

    init(_ event: Event) {
        self.init(event.kind, event.severity, event.previous, event.current)
    }

    var description: String {
        "\(kind.rawValue)/\(severity.rawValue) \(previous?.description ?? "-") -> \(current?.description ?? "-")"
    }
}
