import Foundation

/// A temporary folder beside the fuzzed configuration, so relative paths in it resolve.
public enum ConfigFolder {
    /// The contents of its `api_key` file (trimmed, as simwatch reads it).
    public static let apiKey = "fuzzApiKeyFromFile-3e4f"

    /// Creates the folder with a `devices.txt` and an `api_key` file, and returns its path.
    public static func make() -> String {
        // One fixed name, rewritten at each start, so that runs and replays leave one folder behind.
        let path = NSTemporaryDirectory() + "simwatch-fuzz-config"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let devices = "# ICCID, then an optional name\n89011704252318147086 truck-19\n89011704252318147094\n"
        _ = FileManager.default.createFile(atPath: path + "/devices.txt", contents: Data(devices.utf8))
        _ = FileManager.default.createFile(atPath: path + "/api_key", contents: Data((apiKey + "\n").utf8))
        return path
    }
}
