import SimWatchCore
import Yams

/// `plans` and `thresholds`, and the warnings about percent thresholds that cannot fire.
enum ConfigThresholds {
    static let planKeys = Metric.allCases.map(\.rawValue)
    static let thresholdKeys = ["metric", "above", "severity"]

    /// Plans by name, and their names in file order.
    package static func plans(_ root: MappingReader) -> (plans: [String: PlanAllowance], order: [String]) {
        guard let section = root.mapping("plans", known: nil, expected: "a mapping of plan names to allowances")
        else { return ([:], []) }
        var plans: [String: PlanAllowance] = [:]
        for name in section.keys {
            guard let node = section.value(name) else {
                plans[name] = PlanAllowance()
                continue
            }
            guard let plan = MappingReader(node, section.path.key(name), known: planKeys, root.diagnostics) else { continue }
            var allowance = PlanAllowance()
            for metric in Metric.allCases {
                let value = plan.scalar(metric.rawValue, expected: expectedAmount(metric)) { (text) throws(ValueProblem) in
                    let amount = try amount(text, of: metric, percentAllowed: false)
                    guard amount > 0 else { throw ValueProblem("must be more than 0; leave it out when the plan has no \(metric.rawValue) allowance") }
                    return amount
                }
                switch metric {
                case .data: allowance.data = value
                case .sms: allowance.sms = value
                case .voice: allowance.voice = value
                case .sessions: allowance.sessions = value
                }
            }
            plans[name] = allowance
        }
        return (plans, section.keys)
    }

    /// A threshold with where its level is written, for warnings.
    struct Located {
        package let threshold: Threshold
        let mark: Mark?
        package let path: KeyPath
    }

    package static func thresholds(_ root: MappingReader) -> [Located] {
        var seen: [String: KeyPath] = [:]
        let located = root.list("thresholds") { node, path -> Located? in
            guard let entry = MappingReader(node, path, known: thresholdKeys, root.diagnostics) else { return nil }
            let metric = entry.choice("metric", required: true, of: Metric.allCases)
            let severity = entry.choice("severity", of: Severity.allCases) ?? .warning
            guard let aboveNode = entry.required("above") else { return nil }
            let expected = metric.map(expectedAmount) ?? "a percent like 80%"
            let level = MappingReader.scalar(aboveNode, path.key("above"), expected: expected, root.diagnostics) {
                (text) throws(ValueProblem) -> Threshold.Level? in
                switch ConfigUnits.parsePercent(text) {
                case .value(let percent):
                    guard percent > 0 else { throw ValueProblem("must be more than 0%; got \(ConfigText.quoted(text))") }
                    guard percent <= ConfigBounds.maxPercent else { throw tooLargePercent(text) }
                    return .percent(percent)
                case .tooLarge: throw tooLargePercent(text)
                case .invalid: break
                }
                // Without a valid metric the unit is unknown; the metric's own error says enough.
                guard let metric else { return nil }
                let amount = try amount(text, of: metric, percentAllowed: true)
                guard amount > 0 else { throw ValueProblem("must be more than 0; got \(ConfigText.quoted(text))") }
                return .absolute(amount)
            }
            guard let metric, let level = level ?? nil else { return nil }
            let threshold = Threshold(metric: metric, level: level, severity: severity)
            if let first = seen[threshold.key] {
                root.diagnostics.error("the same threshold as \(first): \(threshold.key)", at: aboveNode.mark, path.key("above"))
                return nil
            }
            seen[threshold.key] = path
            return Located(threshold: threshold, mark: aboveNode.mark, path: path.key("above"))
        }
        return located ?? []
    }

    /// Percent thresholds need a plan allowance: warn once per metric and plan that lacks one.
    static func warnAboutPercentThresholds(
        _ thresholds: [Located], plans: [String: PlanAllowance], order: [String], _ diagnostics: ConfigDiagnostics
    ) {
        var warned: Set<Metric> = []
        for located in thresholds {
            guard case .percent = located.threshold.level else { continue }
            let metric = located.threshold.metric
            guard warned.insert(metric).inserted else { continue }
            if order.isEmpty {
                diagnostics.warning(
                    "no plans configured: percent thresholds never fire; add the \(metric.rawValue) allowance of each rate plan under plans",
                    at: located.mark, located.path)
            }
            for name in order where plans[name]?.allowance(for: metric) == nil {
                diagnostics.warning(
                    "plan \"\(name)\" has no \(metric.rawValue) allowance: this threshold never fires for its devices",
                    at: located.mark, located.path)
            }
        }
    }

    private static func tooLargePercent(_ text: String) -> ValueProblem {
        ValueProblem("must be at most \(ConfigText.number(ConfigBounds.maxPercent))%; got \(ConfigText.quoted(text))")
    }

    /// An amount in the metric's base unit: bytes, messages, seconds or sessions.
    ///
    /// At most `ConfigBounds.maxAmount`, so thresholds and allowances can be added and
    /// multiplied in `Int64` downstream.
    static func amount(_ text: String, of metric: Metric, percentAllowed: Bool) throws(ValueProblem) -> Int64 {
        let parsed: ConfigUnits.Parsed<Int64>
        switch metric {
        case .data: parsed = ConfigUnits.parseSize(text)
        case .sms, .sessions: parsed = ConfigUnits.parseCount(text)
        case .voice:
            switch ConfigUnits.parseCount(text) {
            case .invalid:
                switch ConfigUnits.parseDuration(text) {
                case .value(let duration):
                    guard duration.components.attoseconds == 0 else {
                        throw ValueProblem("voice is counted in whole seconds; got \(ConfigText.quoted(text))")
                    }
                    parsed = .value(duration.components.seconds)
                case .tooLarge: parsed = .tooLarge
                case .invalid: parsed = .invalid
                }
            case let other: parsed = other
            }
        }
        switch parsed {
        case .value(let value) where value <= ConfigBounds.maxAmount:
            return value
        case .value, .tooLarge:
            throw ValueProblem("is too large: at most \(maxAmountText(metric)); got \(ConfigText.quoted(text))")
        case .invalid:
            let percent = percentAllowed ? ", or a percent like 80%" : ""
            throw ValueProblem("expected \(expectedAmount(metric))\(percent); got \(ConfigText.quoted(text))")
        }
    }

    /// `ConfigBounds.maxAmount` in the metric's unit.
    private static func maxAmountText(_ metric: Metric) -> String {
        switch metric {
        case .data: "1PB (\(ConfigBounds.maxAmount) bytes)"
        case .voice: "\(ConfigBounds.maxAmount) seconds"
        case .sms, .sessions: "\(ConfigBounds.maxAmount)"
        }
    }

    static func expectedAmount(_ metric: Metric) -> String {
        switch metric {
        case .data: "a size like 500MB, 1GiB or a number of bytes"
        case .sms: "a number of messages like 500"
        case .sessions: "a number of sessions like 100"
        case .voice: "a duration like 60m or a number of seconds"
        }
    }
}
