import Foundation
import Testing
@testable import SimWatchAlerts
@testable import SimWatchConfig

/// Canaries: if one of these shows up in any message or description, a secret leaked.
enum Canary {
    static let apiKey = "CANARY-API-KEY-123"
    static let webhookURL = "https://hooks.example.com/services/CANARY-TOKEN"
    static let routingKey = "CANARY-ROUTING-KEY"
}

/// The smallest valid configuration: five lines, so extra YAML appended starts at line 6.
let minimalYAML = """
    control_center:
      base_url: https://cc.example.com
      username: apiuser
      api_key_env: SIMWATCH_API_KEY
    devices: ["8988216716970004975"]

    """

let canaryEnvironment = ["SIMWATCH_API_KEY": Canary.apiKey]

/// A fresh directory under the system's temporary directory, removed by the caller.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("simwatch-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ content: String) throws {
        try content.write(toFile: file(name), atomically: true, encoding: .utf8)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Parses YAML as `path`; the configuration's directory is `path`'s.
func parseConfig(
    _ yaml: String, path: String = "/nonexistent/simwatch.yaml", environment: [String: String] = canaryEnvironment
) -> Result<LoadedConfig, ConfigError> {
    do throws(ConfigError) {
        return .success(try ConfigLoader.parse(yaml: yaml, path: path, environment: environment))
    } catch {
        return .failure(error)
    }
}

/// The configuration, failing the test with every issue when it does not load.
func loadedConfig(
    _ yaml: String, path: String = "/nonexistent/simwatch.yaml", environment: [String: String] = canaryEnvironment,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> LoadedConfig {
    switch parseConfig(yaml, path: path, environment: environment) {
    case .success(let loaded): return loaded
    case .failure(let error):
        Issue.record("configuration did not load:\n\(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// The issues of a configuration that must not load.
func configIssues(
    _ yaml: String, path: String = "/nonexistent/simwatch.yaml", environment: [String: String] = canaryEnvironment,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [ConfigIssue] {
    switch parseConfig(yaml, path: path, environment: environment) {
    case .success:
        Issue.record("configuration loaded but should not have", sourceLocation: sourceLocation)
        return []
    case .failure(let error):
        return error.issues
    }
}

/// Expects exactly one issue, at the position and key path given, whose message contains `message`.
func expectSingleIssue(
    _ yaml: String, line: Int, column: Int, keyPath: String, message: String,
    path: String = "/nonexistent/simwatch.yaml", environment: [String: String] = canaryEnvironment,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let issues = configIssues(yaml, path: path, environment: environment, sourceLocation: sourceLocation)
    #expect(issues.count == 1, "issues: \(issues)", sourceLocation: sourceLocation)
    guard let issue = issues.first else { return }
    #expect(issue.line == line, "\(issue)", sourceLocation: sourceLocation)
    #expect(issue.column == column, "\(issue)", sourceLocation: sourceLocation)
    #expect(issue.keyPath == keyPath, "\(issue)", sourceLocation: sourceLocation)
    #expect(issue.message.contains(message), "\(issue)", sourceLocation: sourceLocation)
}
