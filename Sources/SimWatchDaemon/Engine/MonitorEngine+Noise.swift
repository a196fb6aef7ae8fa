import Foundation
import SimWatchConfig
import SimWatchCore
import SimWatchMonitor
import SimWatchState

extension MonitorEngine {
    /// Replaces the silences in force (the silences file changed).
    package func setSilences(_ silences: [Silence]) {
        noise.silences = silences
    }

    /// Silences in force now, for the metrics gauge and `status`.
    package func activeSilences() -> [Silence] {
        noise.activeSilences(at: now())
    }

    /// Logs every event; returns those no silence or window holds back, each with the
    /// subject its routing is judged on. A held-back event is logged with `silenced=`
    /// and counted, and never enters the outbox.
    func admit(_ events: [Event]) -> [(event: Event, subject: MatchSubject)] {
        let instant = now()
        var admitted: [(event: Event, subject: MatchSubject)] = []
        for event in events {
            let subject = subject(of: event)
            if let silencer = noise.silencer(for: subject, at: instant) {
                EventLog.log(event, to: logger, silenced: silencer.description)
                metrics?.recordSilenced(event)
                continue
            }
            EventLog.log(event, to: logger)
            admitted.append((event, subject))
        }
        return admitted
    }

    /// A listing's changes of a device with a usage record, through the flapping rule as a
    /// poll's are; damped changes are logged here, the rest returned to be raised.
    func dampFlapping(_ events: [Event], device: DeviceEntry, record: inout DeviceRecord?) -> [Event] {
        guard var stored = record, stored.last != nil else { return events }
        let (raised, damped) = DeviceLedger.dampFlapping(
            events, device: device, record: &stored, at: now(), epoch: epoch, rules: DetectionRules(config: config))
        record = stored
        for event in damped { EventLog.log(event, to: logger, damped: true) }
        return raised
    }

    /// The event with what the daemon knows of its device now (status, rate plan).
    func subject(of event: Event) -> MatchSubject {
        MatchSubject(event, last: event.iccid.flatMap(lastRecord(of:)))
    }
}
