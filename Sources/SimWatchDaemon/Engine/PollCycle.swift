import Foundation
import Logging
import SimWatchConfig
import SimWatchControlCenter
import SimWatchCore
import SimWatchMonitor

/// How a cycle's polls are laid out in time.
public enum CyclePacing: Sendable {
    /// As fast as `rate_limit` and `concurrency` allow (`simwatch once`).
    case asFastAsAllowed
    /// Evenly over `interval` (`simwatch run`), never faster than the rate limit.
    case spread(over: Duration)
}

/// What one cycle did, for the log line, systemd's STATUS and `once`'s exit code.
public struct CycleReport: Sendable, Equatable {
    public var cycle: Int
    public var devices: Int
    public var polled: Int
    public var notFound: Int
    public var failed: Int
    public var events: Int
    public var duration: Duration
    /// Why the whole cycle failed; `nil` when it succeeded.
    public var failure: String?
    /// Usage polls the cycle planned, and targets left for later cycles (budgeted polling).
    public var scheduled = 0
    public var deferred = 0

    public var succeeded: Bool { failure == nil }
}

/// Polls the cycle's share of the usage targets (`MonitorEngine.pollPlan`), feeding answers to the engine as they arrive.
public struct PollCycle: Sendable {
    package let engine: MonitorEngine
    package let client: ControlCenterClient
    package let logger: Logger
    package let metrics: SimwatchMetrics?
    /// Beats after each device and during waits, so the watchdog sees progress.
    let heartbeat: Heartbeat
    /// Called after each device with (done, total).
    package let progress: @Sendable (Int, Int) -> Void
    /// Longest quiet stretch between two heartbeats while waiting.
    let heartbeatEvery: Duration
    /// Closed at shutdown: no further poll starts, those in flight finish.
    package let gate: StartGate?
    /// Measures the cycle and its polls; the spreading sleeps are the heartbeat's.
    let clock: MonotonicClock

    public init(
        engine: MonitorEngine, client: ControlCenterClient, logger: Logger, metrics: SimwatchMetrics? = nil,
        heartbeat: Heartbeat = .none, heartbeatEvery: Duration = .seconds(5),
        gate: StartGate? = nil, clock: MonotonicClock = .continuous,
        progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }
    ) {
        self.gate = gate
        self.clock = clock
        self.heartbeatEvery = heartbeatEvery
        self.metrics = metrics
        self.engine = engine
        self.client = client
        self.logger = logger
        self.heartbeat = heartbeat
        self.progress = progress
    }

    /// Runs one cycle. Cancellation or a closed gate stops it early; what was polled is kept.
    ///
    /// The cycle runs on the HTTP client's transfer thread when it has one: a poll, its
    /// answer and the engine's diff then happen on one thread, with no switch per device.
    public func run(pacing: CyclePacing) async -> CycleReport {
        await withTaskExecutorPreference(client.taskExecutor) {
            await runOnPreferredExecutor(pacing: pacing)
        }
    }

    private func runOnPreferredExecutor(pacing: CyclePacing) async -> CycleReport {
        let config = await engine.config
        let plan = await engine.pollPlan(pacing: pacing)
        let devices = plan.devices
        let started = clock.now
        let cycleNumber = await engine.nextCycleNumber
        let spacing: Duration? = switch pacing {
        case .asFastAsAllowed: nil
        case .spread(let interval): devices.isEmpty ? nil : interval / devices.count
        }
        // One poller more than the account's concurrency waits for the next free slot, so a
        // request goes out as soon as an answer is in, while that answer is diffed. Pollers
        // rather than a task per device: a cycle of 100,000 SIMs makes a handful of tasks.
        let pollers = min(devices.count, max(1, config.controlCenter.concurrency) + 1)
        let tally = PollTally(devices: devices.count)

        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<pollers {
                group.addTask { await pollDevices(devices, tally: tally, started: started, spacing: spacing) }
            }
            // A poller that saw the credentials rejected stops the others' polls in flight.
            while let rejected = await group.next() {
                if rejected { group.cancelAll() }
            }
        }

        let outcome = tally.outcome
        var report = CycleReport(
            cycle: cycleNumber, devices: devices.count + plan.deferred, polled: outcome.polled,
            notFound: outcome.notFound, failed: outcome.failed, events: outcome.events,
            duration: clock.now - started, failure: nil, scheduled: devices.count, deferred: plan.deferred)
        if (Task.isCancelled || outcome.stoppedEarly) && !outcome.credentialsRejected {
            // Shutting down: an unfinished cycle is neither a success nor a failure.
            return report
        }
        if outcome.credentialsRejected {
            report.failure = "credentials rejected (HTTP 401, error 10000001): check control_center.username and the API key"
        } else if !devices.isEmpty, report.polled == 0, report.notFound == 0, let firstError = outcome.firstError {
            report.failure = "no device could be polled: \(firstError)"
        }
        report.events += await engine.finishCycle(failure: report.failure).count
        return report
    }

    /// One poller: takes the next device until none is left or the cycle stops; returns
    /// whether it saw the credentials rejected.
    private func pollDevices(
        _ devices: [DeviceEntry], tally: PollTally, started: ContinuousClock.Instant, spacing: Duration?
    ) async -> Bool {
        let permit = PollPermit(tally: tally, gate: gate)
        while let index = tally.next(gateOpen: gate?.isOpen ?? true) {
            if let spacing {
                await heartbeat.sleep(until: started + spacing * index, beatingEvery: heartbeatEvery, gate: gate)
                // The device is not polled when the cycle stopped while this poller waited.
                guard tally.mayGoOn(gateOpen: gate?.isOpen ?? true) else { break }
            }
            let result = await poll(devices[index], permit: permit)
            let done = tally.record(result)
            progress(done, devices.count)
            heartbeat.tick()
            if case .failed(.invalidCredentials) = result { return true }
        }
        return false
    }

    private func poll(_ device: DeviceEntry, permit: PollPermit) async -> PollCycleResult {
        let started = clock.now
        do {
            // The poll beyond concurrency may get its slot after the gate closed or the
            // credentials were rejected: it must not start.
            let usage = try await client.usage(
                iccid: device.iccid, mayStart: permit.mayStart, answerFailed: permit.answerFailed)
            metrics?.recordPoll(result: .ok, duration: clock.now - started)
            return .polled(events: await engine.recordUsage(usage, for: device).count)
        } catch ControlCenterError.deviceNotFound {
            metrics?.recordPoll(result: .notFound, duration: clock.now - started)
            return .notFound(events: await engine.recordNotFound(device).count)
        } catch let error as ControlCenterError {
            metrics?.recordPoll(result: .init(error), duration: clock.now - started)
            await engine.recordPollFailure()
            logger.warning("poll failed", metadata: [
                "iccid": "\(device.iccid)", "device": "\(device.name ?? "")", "error": "\(error)",
            ].compactingEmpty())
            return .failed(error)
        } catch {
            return .cancelled
        }
    }
}

/// What a poll tells the client about its cycle, made once per poller rather than per poll.
private struct PollPermit {
    let mayStart: @Sendable () -> Bool
    let answerFailed: @Sendable (ControlCenterError) -> Void

    init(tally: PollTally, gate: StartGate?) {
        mayStart = { tally.mayStart(gateOpen: gate?.isOpen ?? true) }
        answerFailed = { tally.answerFailed($0) }
    }
}

extension CycleReport {
    /// Logs one line for a finished cycle: info, or error when the cycle failed.
    func log(to logger: Logger) {
        var metadata: Logger.Metadata = [
            "cycle": "\(cycle)", "devices": "\(devices)", "scheduled": "\(scheduled)", "deferred": "\(deferred)",
            "polled": "\(polled)",
            "not_found": "\(notFound)", "failed": "\(failed)", "events": "\(events)",
            "duration": "\(HumanFormat.decimal(duration.seconds))s",
        ]
        if let failure {
            metadata["error"] = "\(failure)"
            logger.error("cycle failed", metadata: metadata)
        } else {
            logger.info("cycle finished", metadata: metadata)
        }
    }
}

extension Logger.Metadata {
    /// Drops entries whose value is an empty string, e.g. an unnamed device.
    func compactingEmpty() -> Logger.Metadata {
        filter { if case .string(let value) = $0.value { !value.isEmpty } else { true } }
    }
}
