import Foundation
import SimWatchCore

/// A URL reduced to `scheme://host/…`: webhook URLs carry their token in the path or query.
///
/// Anything that does not parse as a URL with a host becomes `<redacted>`.
public func redactedURL(_ url: String) -> String {
    guard let components = URLComponents(string: url), let scheme = components.scheme,
          let host = components.host, !host.isEmpty
    else { return "<redacted>" }
    let port = components.port.map { ":\($0)" } ?? ""
    let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    return "\(scheme)://\(bracketed)\(port)/…"
}

/// `redactedURL` of a secret URL.
public func redactedURL(_ url: Secret) -> String {
    redactedURL(url.reveal())
}

extension Config {
    /// What `simwatch check` prints: the configuration in people's units, without secrets.
    public func summary() -> String {
        var lines: [String] = []
        let cc = controlCenter
        lines.append("Control Center: \(cc.baseURL) as \(cc.username) (API v\(cc.apiVersion), timeout "
            + "\(HumanFormat.duration(cc.timeout)), \(HumanFormat.decimal(cc.rateLimit)) requests/s, "
            + "\(cc.concurrency) in flight)")
        lines.append("Devices: \(devices.count)\(devicePreview())")
        lines.append("Poll: every \(HumanFormat.duration(poll.interval)); \(fleetFit())")
        lines.append("Fleet: \(fleet.summary)")
        lines.append("State file: \(stateFile)")
        if plans.isEmpty {
            lines.append("Plans: none")
        } else {
            lines.append("Plans:")
            for name in plans.keys.sorted() {
                lines.append("  \"\(name)\": \(describe(plans[name] ?? PlanAllowance()))")
            }
        }
        if thresholds.isEmpty {
            lines.append("Thresholds: none")
        } else {
            lines.append("Thresholds:")
            for threshold in thresholds {
                lines.append("  \(describe(threshold))")
            }
        }
        if webhooks.isEmpty {
            lines.append("Webhooks: none (events are only logged)")
        } else {
            lines.append("Webhooks:")
            for webhook in webhooks {
                lines.append("  \(describe(webhook))")
            }
        }
        lines += routeLines()
        lines.append("Delivery: give up after \(HumanFormat.duration(delivery.maxAge)), group within "
            + "\(HumanFormat.duration(delivery.groupWait)), at most \(HumanFormat.decimal(delivery.maxRate)) requests/s per webhook")
        lines.append("Metrics: " + (metrics.map { "http://\($0.listen)/metrics and /healthz" } ?? "off"))
        lines.append("Log: \(log.format.rawValue), level \(log.level.rawValue)")
        return lines.joined(separator: "\n")
    }

    /// Seconds one full cycle takes at the rate limit.
    public var cycleDuration: Double {
        Double(devices.count) / controlCenter.rateLimit
    }

    private func devicePreview() -> String {
        guard !devices.isEmpty else { return "" }
        let shown = devices.prefix(3).map { device in
            device.name.map { "\($0) (\(device.iccid))" } ?? device.iccid
        }
        let more = devices.count > shown.count ? ", … and \(devices.count - shown.count) more" : ""
        return " (" + shown.joined(separator: ", ") + more + ")"
    }

    private func fleetFit() -> String {
        let cycle = "a full cycle takes about \(HumanFormat.seconds(measured: cycleDuration)) at the rate limit"
        let budget = PollBudget.pollsPerInterval(rateLimit: controlCenter.rateLimit, interval: poll.interval)
        guard devices.count > budget else { return cycle + ", which fits" }
        return cycle + "; more devices than the \(budget) polls an interval holds: budgeted, "
            + "every SIM at least every \(ConfigText.duration(poll.maxInterval))"
    }

    private func describe(_ plan: PlanAllowance) -> String {
        let parts = Metric.allCases.compactMap { metric in
            plan.allowance(for: metric).map { "\(metric.rawValue) \(amount($0, of: metric))" }
        }
        return parts.isEmpty ? "no allowances" : parts.joined(separator: ", ")
    }

    /// Bytes and seconds in people's units; counts as they are, since the metric name says what they count.
    private func amount(_ value: Int64, of metric: Metric) -> String {
        switch metric {
        case .data, .voice: HumanFormat.value(value, of: metric)
        case .sms, .sessions: String(value)
        }
    }

    private func describe(_ threshold: Threshold) -> String {
        let level: String = switch threshold.level {
        case .absolute(let value): amount(value, of: threshold.metric)
        case .percent(let value): "\(Threshold.formatPercent(value))% of plan"
        }
        return "\(threshold.metric.rawValue) >= \(level) (\(threshold.severity.rawValue))"
    }

    private func describe(_ webhook: WebhookSettings) -> String {
        var text = "\(webhook.name): \(webhook.format.rawValue) -> \(redactedURL(webhook.url))"
        let kinds = webhook.kinds.map { $0.map(\.rawValue).sorted().joined(separator: ", ") } ?? "all"
        text += "; kinds: \(kinds); min severity \(webhook.minSeverity.rawValue)"
        if let match = webhook.match { text += "; match \(match)" }
        if webhook.template != nil { text += "; custom template" }
        if let extra = webhook.settings.summary { text += "; \(extra)" }
        return text
    }
}
