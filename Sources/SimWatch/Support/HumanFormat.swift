import Foundation

/// Numbers as people read them in alerts, tables and summaries.
public enum HumanFormat {
    /// Bytes in powers of 1000 with at most one decimal: `812.3 MB`, `1 GB`, `512 B`.
    public static func bytes(_ value: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"]
        var scaled = Double(value)
        var unit = 0
        while abs(scaled) >= 1000, unit < units.count - 1 {
            scaled /= 1000
            unit += 1
        }
        return "\(decimal(scaled)) \(units[unit])"
    }

    /// Seconds as `45s`, `12m 5s`, `3h 20m`.
    public static func seconds(_ value: Int64) -> String {
        if value < 60 { return "\(value)s" }
        if value < 3600 { return value % 60 == 0 ? "\(value / 60)m" : "\(value / 60)m \(value % 60)s" }
        let minutes = (value % 3600) / 60
        return minutes == 0 ? "\(value / 3600)h" : "\(value / 3600)h \(minutes)m"
    }

    /// A duration as `500ms`, `30s`, `15m`, `2h 30m`.
    public static func duration(_ value: Duration) -> String {
        let (seconds, attoseconds) = value.components
        if seconds == 0 && attoseconds > 0 { return "\(attoseconds / 1_000_000_000_000_000)ms" }
        return self.seconds(seconds)
    }

    /// A metric's value in its own unit: bytes for data, seconds for voice, a count otherwise.
    public static func value(_ value: Int64, of metric: Metric) -> String {
        switch metric {
        case .data: bytes(value)
        case .voice: seconds(value)
        case .sms: "\(value) SMS"
        case .sessions: "\(value) sessions"
        }
    }

    /// At most one decimal, none when it would be `.0`: `81`, `85.2`.
    public static func decimal(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        if rounded == rounded.rounded() { return String(Int64(rounded)) }
        return String(format: "%.1f", rounded)
    }
}
