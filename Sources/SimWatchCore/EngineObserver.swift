/// What the engine reports as it runs (events raised, outbox size, state saves), for
/// the metrics.
///
/// Declared here, at the bottom of the graph, so that the engine's parts can move into
/// lower targets without importing Prometheus; `SimwatchMetrics` (Daemon) implements it.
/// Public because `MonitorEngine`'s initializer, which takes one, is.
public protocol EngineObserver: Sendable {
    /// Events just raised (logged and put in the outbox).
    func recordEvents(_ events: [Event])
    /// Events waiting for each webhook; a webhook missing from `counts` has none.
    func setQueued(_ counts: [String: Int], webhooks: [String])
    /// The number of events waiting in the outbox.
    func setOutboxSize(_ count: Int)
    /// A state file save ended; `failure` says why it failed (ignored when it succeeded).
    func recordStateSave(duration: Duration, succeeded: Bool, failure: String?)
    /// An event a silence or maintenance window kept from being sent (default: ignored).
    func recordSilenced(_ event: Event)
    /// Silences in force now (default: ignored).
    func setActiveSilences(_ count: Int)
}

extension EngineObserver {
    public func recordSilenced(_ event: Event) {}
    public func setActiveSilences(_ count: Int) {}

    /// A state file save ended, without a reason.
    public func recordStateSave(duration: Duration, succeeded: Bool) {
        recordStateSave(duration: duration, succeeded: succeeded, failure: nil)
    }
}
