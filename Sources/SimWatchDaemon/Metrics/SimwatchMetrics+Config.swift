import SimWatchConfig

extension SimwatchMetrics {
    /// Sets what the configuration fixes: devices, webhooks and the interval health is judged by.
    public func describe(_ config: Config) {
        setDevices(config.devices.count)
        setWebhooks(config.webhooks.map(\.name))
        setPollInterval(config.poll.interval)
        deviceGauges.setEnabled(config.metrics?.perDevice == true)
    }
}
