import Foundation
import Logging
@testable import SimWatchConfig
@testable import SimWatchCore
@testable import SimWatchState

/// A fresh folder under the system temp folder, removed by `remove()`.
struct StateTestFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("simwatch-state-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    var statePath: String { path + "/state.json" }

    func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Keeps every log record so tests can check what was logged and at which level.
final class CapturedLogs: @unchecked Sendable {
    struct Record {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let lock = NSLock()
    private var stored: [Record] = []

    var records: [Record] { lock.withLock { stored } }

    func append(_ record: Record) {
        lock.withLock { stored.append(record) }
    }

    var logger: Logger {
        Logger(label: "state-tests") { _ in CapturingHandler(sink: self) }
    }

    private struct CapturingHandler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            sink.append(Record(level: event.level, message: event.message.description, metadata: event.metadata ?? [:]))
        }
    }
}

enum StateFixtures {
    static let now = Date(timeIntervalSince1970: 1_795_773_600)  // 2026-11-27T10:00:00Z

    static func event(id: String, kind: EventKind = .statusChanged, iccid: String? = "8988216716970004975") -> Event {
        Event(id: id, kind: kind, severity: .critical, iccid: iccid, observedAt: now, summary: "event \(id)")
    }

    /// A state with every field of every type set, including text that needs escaping.
    static func fullState() -> PersistentState {
        let usage = DeviceUsage(
            iccid: "8988216716970004975", imsi: "204043110000000", msisdn: "882000000001",
            imei: "351234567890123", status: "ACTIVATED", ratePlan: "hphlr \"rp1\" \\ / ü ✓",
            communicationPlan: "CP_Basic\n\t\u{01}", ctdDataUsage: 9_223_372_036_854_775_807,
            ctdSMSUsage: 0, ctdVoiceUsage: 7_200, ctdSessionCount: 42, overageLimitReached: true,
            overageLimitOverride: "TEMPORARY_OVERRIDE"
        )
        let event = Event(
            id: "9f2c6a1e0b7d4c55", kind: .thresholdCrossed, severity: .warning, iccid: usage.iccid,
            deviceName: "truck-17", labels: ["site": "berlin", "team": "ops 🚚"], observedAt: now,
            summary: "truck-17 (8988216716970004975): data 85% of plan", previous: .number(1),
            current: .string("two"), metric: .data, threshold: 800_000_000, value: 850_000_000,
            thresholdPercent: 80, percentOfPlan: 85.25, device: usage
        )
        return PersistentState(
            schemaVersion: 1, epoch: "5f0c4d2e9a8b7c6d5f0c4d2e9a8b7c6d", cycle: 4_321,
            devices: [
                usage.iccid: DeviceRecord(
                    last: usage, observedAt: now, observation: 17,
                    thresholds: ThresholdState(fired: ["data>=500000000", "data>=80%"]), notFound: false,
                    usageRate: UsageRate(polledAt: now, perDay: [.data: 240_000_000, .sms: 12, .sessions: 9_007_199_254_740_992])
                ),
                "89011704252318147060": DeviceRecord(
                    last: DeviceUsage(iccid: "89011704252318147060", imei: ""), observedAt: now.addingTimeInterval(-3_600),
                    observation: 1, thresholds: ThresholdState(), notFound: true,
                    usageRate: UsageRate(polledAt: now.addingTimeInterval(-3_600))
                ),
                "89011704252318147061": DeviceRecord(),
            ],
            health: Health(consecutiveFailedCycles: 3, lastSuccessfulCycleAt: now.addingTimeInterval(-900), pollFailedRaised: true),
            outbox: [
                OutboxEntry(event: event, pendingWebhooks: ["ops-chat", "pager"], enqueuedAt: now),
                OutboxEntry(event: Self.event(id: "0000000000000001", kind: .pollFailed, iccid: nil), pendingWebhooks: ["ops-chat"],
                            enqueuedAt: now),
            ],
            deadLetters: [DeadLetter(event: event, webhook: "pager", reason: "max_age 24h exceeded; last error: HTTP 500", at: now)]
        )
    }
}

/// Where a string keeps its bytes: two strings that share one storage give the same
/// address, equal strings made apart give two (a small string, stored inline, gives nil).
func stringStorage(_ text: String?) -> UnsafeRawPointer? {
    text?.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
}

/// `text`'s characters in a storage of their own, as a parser would make them.
func separateCopy(_ text: String) -> String {
    String(decoding: Array(text.utf8), as: UTF8.self)
}
