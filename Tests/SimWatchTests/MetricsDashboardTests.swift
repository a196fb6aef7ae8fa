import Foundation
import Testing
@testable import SimWatchCore
@testable import SimWatchDaemon

/// `etc/grafana/simwatch.json` and `etc/prometheus/simwatch-rules.yml` stay valid and use
/// only series the daemon exports.
@Suite struct MetricsDashboardTests {
    static let root = ConfigExampleTests.repositoryRoot
    static let dashboardPath = root.appendingPathComponent("etc/grafana/simwatch.json").path
    static let rulesPath = root.appendingPathComponent("etc/prometheus/simwatch-rules.yml").path

    /// Every series name `/metrics` serves, per-device gauges included (from `# TYPE` lines).
    static let exported: Set<String> = {
        let metrics = SimwatchMetrics()
        metrics.deviceGauges.setEnabled(true)
        metrics.setWebhooks(["ops"])
        metrics.recordDevice(MetricsPerDeviceTests.sample(1))
        var names: Set<String> = []
        for line in String(decoding: metrics.exposition(), as: UTF8.self).split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            let name = String(parts[2])
            names.insert(name)
            if parts[3] == "histogram" { names.formUnion(["_bucket", "_sum", "_count"].map { name + $0 }) }
        }
        return names
    }()

    static let functions: Set<String> = [
        "sum", "count", "max", "min", "avg", "topk", "bottomk", "rate", "increase", "irate", "delta", "predict_linear",
        "histogram_quantile", "time", "clamp_min", "clamp_max", "sort_desc", "sort", "abs", "vector", "label_replace",
    ]
    static let keywords: Set<String> = ["and", "or", "unless", "bool", "offset", "on", "ignoring", "group_left", "group_right"]

    /// The names an expression uses as series, after label matchers, groupings, strings, ranges and numbers are gone.
    static func problems(in expr: String, recorded: Set<String> = []) -> [String] {
        var text = expr
        for pattern in [#""(\\.|[^"\\])*""#, #"\{[^}]*\}"#, #"\[[^\]]*\]"#, #"\b(by|without|on|ignoring)\s*\([^)]*\)"#,
                        #"(?<![A-Za-z_:])\d+(\.\d+)?([eE][-+]?\d+)?"#] {
            text = text.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        var problems: [String] = []
        let identifier = try! NSRegularExpression(pattern: #"[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?"#)
        let whole = NSRange(text.startIndex..., in: text)
        for match in identifier.matches(in: text, range: whole) {
            let token = String(text[Range(match.range, in: text)!])
            if token.hasSuffix("(") {
                let name = token.dropLast().trimmingCharacters(in: .whitespaces)
                if !functions.contains(name) { problems.append("unknown function \(name) in \(expr)") }
            } else if !keywords.contains(token), !exported.contains(token), !recorded.contains(token) {
                problems.append("\(token) is not a series simwatch exports (in \(expr))")
            }
        }
        return problems
    }

    @Test func theCheckCanFail() {
        #expect(!Self.problems(in: "rate(simwatch_pols_total[5m])").isEmpty)
        #expect(!Self.problems(in: "up == 0").isEmpty)
        #expect(!Self.problems(in: "frobnicate(simwatch_devices)").isEmpty)
        #expect(Self.problems(in: #"sum by (result) (rate(simwatch_polls_total{result="ok"}[5m])) > 1e-9"#).isEmpty)
    }

    @Test func theDashboardIsAGrafanaModelOverExportedSeries() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.dashboardPath))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((dashboard["schemaVersion"] as? Int ?? 0) >= 36)
        #expect(dashboard["title"] as? String == "simwatch")
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let titles = panels.compactMap { $0["title"] as? String }
        for wanted in ["Fleet by status", "Top SIMs by share of plan", "Projected overages", "Polls by result", "Webhook requests by result"] {
            #expect(titles.contains { $0.hasPrefix(wanted) }, "no panel \(wanted)")
        }
        var exprs = 0
        for panel in panels where panel["type"] as? String != "row" {
            let gridPos = try #require(panel["gridPos"] as? [String: Int], "\(panel["title"] ?? "?")")
            #expect(Set(gridPos.keys) == ["x", "y", "w", "h"])
            let targets = try #require(panel["targets"] as? [[String: Any]])
            #expect(!targets.isEmpty)
            for target in targets {
                let expr = try #require(target["expr"] as? String)
                exprs += 1
                #expect(Self.problems(in: expr).isEmpty, "\(Self.problems(in: expr))")
            }
        }
        #expect(exprs >= 15)
    }

    @Test func theRulesUseExportedSeriesOnly() throws {
        let text = try String(contentsOfFile: Self.rulesPath, encoding: .utf8)
        let recorded = Set(text.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("- record: ") ? String(trimmed.dropFirst("- record: ".count)) : nil
        })
        #expect(recorded.count == 4)
        // Each expression: a one-line `expr:` or the indented block under `expr: |`.
        var exprs: [String] = []
        var block: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if var current = block {
                if line.hasPrefix("          ") { current.append(trimmed); block = current; continue }
                exprs.append(current.joined(separator: " "))
                block = nil
            }
            if trimmed == "expr: |" { block = [] } else if trimmed.hasPrefix("expr: ") { exprs.append(String(trimmed.dropFirst(6))) }
        }
        if let block { exprs.append(block.joined(separator: " ")) }
        #expect(exprs.count == 12)
        for expr in exprs {
            #expect(Self.problems(in: expr, recorded: recorded).isEmpty, "\(Self.problems(in: expr, recorded: recorded))")
        }
    }

    @Test(.enabled(if: Promtool.path != nil, "promtool is not on PATH, so the rules are not checked (Debian: apt-get install prometheus)"))
    func promtoolAcceptsTheRules() async throws {
        let promtool = try #require(Promtool.path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "rules", Self.rulesPath]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(status == 0, "promtool check rules: \(output)")
        #expect(output.contains("SUCCESS: 12 rules found"), "\(output)")
    }
}
