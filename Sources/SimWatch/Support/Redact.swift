import Foundation

/// Shows secrets in the only form logs and screens may carry.
public enum Redact {
    /// A URL as `scheme://host/…`: enough to tell webhooks apart, never the token in the path.
    public static func url(_ secret: Secret) -> String {
        url(secret.reveal())
    }

    /// `scheme://host/…` for a URL string; `<redacted>` when it cannot be parsed.
    public static func url(_ text: String) -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              let host = components.host, !host.isEmpty else { return "<redacted>" }
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)/…"
    }
}

/// The version `simwatch --version` prints and the User-Agent carries.
public enum SimWatchVersion {
    public static let current = "0.1.0"
}
