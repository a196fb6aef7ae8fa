import Foundation
import SimWatchCore
import Yams

/// `fleet:` — whole-account discovery and the change feed (DESIGN.md "Fleets at scale").
public struct FleetSettings: Sendable, Equatable {
    /// The statuses whose discovered SIMs are usage-polled when `usage_statuses` is not given.
    public static let defaultUsageStatuses = [KnownSIMStatus.activated.rawValue, KnownSIMStatus.testReady.rawValue]
    /// The feed's period when discovery is on and `changes_every` is not given.
    public static let defaultChangesEvery = Duration.seconds(60)

    /// Watch every SIM Search Devices lists for the account.
    public var discover: Bool
    /// Search Devices' optional `accountId`: digits only.
    public var accountID: String?
    /// Discovered SIMs with one of these listed statuses are usage-polled; configured devices always are.
    public var usageStatuses: [String]
    /// The change feed's period; zero turns the feed off.
    public var changesEvery: Duration

    public init(
        discover: Bool = false, accountID: String? = nil, usageStatuses: [String] = FleetSettings.defaultUsageStatuses,
        changesEvery: Duration? = nil
    ) {
        self.discover = discover
        self.accountID = accountID
        self.usageStatuses = usageStatuses
        self.changesEvery = changesEvery ?? (discover ? Self.defaultChangesEvery : .zero)
    }

    /// Whether the change feed runs.
    public var feedIsOn: Bool { changesEvery > .zero }
    /// Whether Search Devices is called at all: for discovery or for the feed.
    public var usesSearchDevices: Bool { discover || feedIsOn }
}

/// Reads `fleet:` with positions for every problem.
enum ConfigFleet {
    static let keys = ["discover", "account_id", "usage_statuses", "changes_every"]
    /// `fleet.changes_every` when on: at least a second (Search Devices counts against the
    /// account's rate), at most a day.
    static let changesEvery = Duration.seconds(1)...Duration.seconds(86_400)
    /// Control Center's account ids are numbers; 20 digits cover any 64-bit one.
    static let maxAccountIDDigits = 20
    /// A status is a short word; longer text is a typo or hostile.
    static let maxStatusLength = 64

    /// `fleet:` with its defaults; every problem is reported to the root's diagnostics.
    package static func load(_ root: MappingReader) -> FleetSettings {
        guard let section = root.mapping("fleet", known: keys) else { return FleetSettings() }
        let discover = section.scalar("discover", expected: "true or false", boolean) ?? false
        let accountID = section.scalar("account_id", expected: "an account id (digits)", accountIdentifier)
        let statuses = usageStatuses(section)
        let changes = section.value("changes_every").flatMap { node in
            MappingReader.scalar(node, section.path.key("changes_every"), expected: "a duration like 1m", section.diagnostics) {
                (text) throws(ValueProblem) in try feedPeriod(text)
            }
        }
        return FleetSettings(
            discover: discover, accountID: accountID, usageStatuses: statuses ?? FleetSettings.defaultUsageStatuses,
            changesEvery: changes)
    }

    /// `true` or `false`; YAML 1.1's `yes`/`on` are refused, as elsewhere in simwatch.
    static func boolean(_ text: String) throws(ValueProblem) -> Bool {
        switch text {
        case "true": return true
        case "false": return false
        default: throw ValueProblem("expected true or false; got \(ConfigText.quoted(text))")
        }
    }

    /// Digits only, so the id needs no encoding in the query.
    static func accountIdentifier(_ text: String) throws(ValueProblem) -> String {
        guard (1...maxAccountIDDigits).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ValueProblem("expected an account id of 1 to \(maxAccountIDDigits) digits; got \(ConfigText.quoted(text))")
        }
        return text
    }

    /// `0s` (off), or a period within `changesEvery`.
    static func feedPeriod(_ text: String) throws(ValueProblem) -> Duration {
        let value = try MappingReader.duration(text, in: .zero...changesEvery.upperBound, allowZero: true)
        guard value == .zero || value >= changesEvery.lowerBound else {
            throw ValueProblem("must be 0s (off) or at least \(ConfigText.duration(changesEvery.lowerBound)); got \(ConfigText.quoted(text))")
        }
        return value
    }

    /// A list of status names, each once; an empty list polls configured devices only.
    private static func usageStatuses(_ section: MappingReader) -> [String]? {
        var seen: Set<String> = []
        return section.list("usage_statuses") { node, path in
            MappingReader.scalar(node, path, expected: "a status name such as ACTIVATED", section.diagnostics) {
                (text) throws(ValueProblem) -> String in
                guard !text.isEmpty, text.count <= maxStatusLength,
                      text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value != 0x7F }) else {
                    throw ValueProblem("expected a status name of 1 to \(maxStatusLength) visible ASCII characters, "
                        + "such as ACTIVATED; got \(ConfigText.quoted(text))")
                }
                guard seen.insert(text).inserted else { throw ValueProblem("\(ConfigText.quoted(text)) is listed twice") }
                return text
            }
        }
    }
}

extension FleetSettings {
    /// One line for `simwatch check`: what is discovered, what is usage-polled, how often the feed runs.
    public var summary: String {
        let account = accountID.map { " (account \($0))" } ?? ""
        let statuses = usageStatuses.isEmpty ? "none" : usageStatuses.joined(separator: ", ")
        let discovery = discover
            ? "discovery on\(account): every SIM of the account is watched; discovered SIMs with status \(statuses) are usage-polled"
            : "discovery off\(account): the configured devices only"
        let feed = feedIsOn
            ? "change feed every \(HumanFormat.duration(changesEvery)) (status and plan changes)"
            : "change feed off"
        return "\(discovery); \(feed)"
    }
}

extension FleetSettings {
    /// Search Devices calls the feed makes in `interval` when nothing changes: one per period.
    /// The usage budget B = rate_limit × interval × 0.9 leaves these out (DESIGN.md,
    /// "Budgeted polling"); each 50 changes in a period cost one more page.
    public func feedCalls(per interval: Duration) -> Int {
        guard feedIsOn, interval > .zero else { return 0 }
        // Both are bounded by the configuration (interval ≤ 7 d, changes_every ≥ 1 s): at most 604,800.
        let periods = (interval / changesEvery).rounded(.up)
        return periods.isFinite ? Int(min(periods, 1_000_000)) : 0
    }
}
