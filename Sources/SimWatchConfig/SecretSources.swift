import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the loader needs besides the YAML: the environment and where relative paths start.
struct ConfigContext {
    let diagnostics: ConfigDiagnostics
    package let environment: [String: String]
    /// The configuration file's directory; relative `*_file` paths start here.
    let directory: String
    /// Whether a missing file under `/run/credentials/` is a warning instead of an error
    /// (`simwatch check` outside the service, where systemd has not placed them).
    package var deferSystemdCredentials = false

    /// `path` made absolute against the configuration's directory.
    package func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }
}

/// Reading small files with the operating system's reason when that fails.
enum ConfigFiles {
    /// Why a file could not be read, e.g. `No such file or directory`.
    struct Failure: Error {
        package let reason: String
    }

    /// The file's bytes, at most `limit` of them.
    package static func contents(_ path: String, limit: Int = 64 << 20) -> Result<Data, Failure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(Failure(reason: String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(reason: String(cString: strerror(errno))))
            }
            if count == 0 { return .success(data) }
            data.append(contentsOf: buffer[0..<count])
            if data.count > limit { return .failure(Failure(reason: "larger than \(limit) bytes")) }
        }
    }
}

/// A secret found through one of its keys, with words to describe where it came from.
struct ResolvedSecret {
    package let value: String
    /// The key it was given under, e.g. `url_file`.
    package let key: String
    /// For messages: "the file /run/credentials/…/slack_url"; never the secret.
    package let origin: String
    /// Not read: a systemd credential that exists only inside the service (`check`).
    var deferred = false
}

extension MappingReader {
    /// A secret given inline, in a file or in an environment variable: exactly one of them.
    ///
    /// File contents and variable values are trimmed of surrounding whitespace. Messages name
    /// the file or variable and the reason, never the value.
    package func secret(
        inline: String?, file: String, env: String, what: String, required: Bool, _ context: ConfigContext
    ) -> ResolvedSecret? {
        let candidates = [inline, file, env].compactMap { $0 }
        // The later keys in the file are the ones reported as extra.
        let given = candidates.filter { keyMark($0) != nil }.sorted { lhs, rhs in
            let (a, b) = (keyMark(lhs), keyMark(rhs))
            return (a?.line ?? 0, a?.column ?? 0) < (b?.line ?? 0, b?.column ?? 0)
        }
        if given.count > 1 {
            for key in given.dropFirst() {
                diagnostics.error(
                    "give only one of \(candidates.joined(separator: ", ")); \"\(given[0])\" is already set",
                    at: keyMark(key), path.key(key))
            }
            return nil
        }
        guard let key = given.first else {
            if required {
                diagnostics.error(
                    "missing \(what): set one of \(candidates.joined(separator: ", "))", at: mark, path)
            }
            return nil
        }
        let keyPath = path.key(key)
        let mark = valueMark(key)
        guard let node = value(key), case .scalar(let scalar) = node else {
            let got = value(key)?.shortDescription ?? "nothing"
            diagnostics.error("expected a string; got \(got)", at: mark, keyPath)
            return nil
        }
        let text = scalar.string
        switch key {
        case file:
            // A secret pasted where its file belongs must not come back as "cannot read file …".
            if text.contains("://") {
                diagnostics.error(
                    "expected the path of a file holding the \(what), not the \(what) itself (value not shown)",
                    at: mark, keyPath)
                return nil
            }
            let path = context.resolve(text)
            switch ConfigFiles.contents(path, limit: 1 << 20) {
            case .failure(let failure):
                if context.deferSystemdCredentials, path.hasPrefix("/run/credentials/"),
                   context.environment["CREDENTIALS_DIRECTORY"] == nil {
                    diagnostics.warning(
                        "\(what) file \(path) not checked: systemd provides it only to the running service (LoadCredential=)",
                        at: mark, keyPath)
                    return ResolvedSecret(value: "", key: key, origin: "the file \(path)", deferred: true)
                }
                // Unreadable and token-like: more likely the secret itself than a file name.
                let shown = ConfigText.mayBeSecret(text) ? "(path not shown: it looks like a secret)" : path
                diagnostics.error("cannot read \(what) file \(shown): \(failure.reason)", at: mark, keyPath)
                return nil
            case .success(let data):
                guard let content = String(data: data, encoding: .utf8) else {
                    diagnostics.error("\(what) file \(path) is not UTF-8 text", at: mark, keyPath)
                    return nil
                }
                let trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !trimmed.isEmpty else {
                    diagnostics.error("\(what) file \(path) is empty", at: mark, keyPath)
                    return nil
                }
                return ResolvedSecret(value: trimmed, key: key, origin: "the file \(path)")
            }
        case env:
            // A value that does not look like a variable name may be the secret pasted in
            // by mistake: do not repeat it.
            let looksLikeName = !text.isEmpty && text.count <= 64
                && text.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") }
                && !(text.first?.isNumber ?? true)
            guard looksLikeName else {
                diagnostics.error(
                    "expected the name of an environment variable (A-Z, 0-9, _)", at: mark, keyPath)
                return nil
            }
            guard let raw = context.environment[text] else {
                diagnostics.error("environment variable \(text) is not set", at: mark, keyPath)
                return nil
            }
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else {
                diagnostics.error("environment variable \(text) is empty", at: mark, keyPath)
                return nil
            }
            return ResolvedSecret(value: trimmed, key: key, origin: "the environment variable \(text)")
        default:
            guard !text.isEmpty else {
                diagnostics.error("expected a non-empty string", at: mark, keyPath)
                return nil
            }
            return ResolvedSecret(value: text, key: key, origin: "the value")
        }
    }
}
