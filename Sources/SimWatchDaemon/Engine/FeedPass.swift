import Foundation
import Logging
import SimWatchControlCenter
import SimWatchCore
import SimWatchMonitor

/// What one feed pass did, for its log line and for `once`.
public struct FeedPassReport: Sendable, Equatable {
    /// The pass listed the whole account (discovery).
    public var wholeAccount: Bool
    public var pages: Int
    /// Records listed, duplicates included.
    public var listed: Int
    /// Records left out as implausible.
    public var skipped: Int
    public var events: Int
    public var duration: Duration
    /// Why the pass stopped before its last page; `nil` when it completed.
    public var failure: ControlCenterError?
    /// Shutdown stopped the pass between pages: neither a success nor a failure.
    public var interrupted: Bool

    /// The pass read its last page: the watermark moved.
    public var succeeded: Bool { failure == nil && !interrupted }
}

/// One change-feed pass: Search Devices page by page from the engine's window, each page's
/// records through the feed rules as it arrives, the watermark moved only when the last
/// page was read. So a pass that fails half-way is simply done again (duplicates, never gaps).
public struct FeedPass: Sendable {
    package let engine: MonitorEngine
    package let client: ControlCenterClient
    package let logger: Logger
    /// Beats after each page, so the watchdog sees a long discovery make progress.
    let heartbeat: Heartbeat
    /// Closed at shutdown: no further page is asked for.
    package let gate: StartGate?
    let clock: MonotonicClock

    public init(
        engine: MonitorEngine, client: ControlCenterClient, logger: Logger, heartbeat: Heartbeat = .none,
        gate: StartGate? = nil, clock: MonotonicClock = .continuous
    ) {
        self.engine = engine
        self.client = client
        self.logger = logger
        self.heartbeat = heartbeat
        self.gate = gate
        self.clock = clock
    }

    /// Runs the pass; errors are in the report, never thrown.
    public func run() async -> FeedPassReport {
        let window = await engine.feedWindow()
        let accountID = await engine.config.fleet.accountID
        let startedAt = engine.now()
        let started = clock.now
        var report = FeedPassReport(
            wholeAccount: window.wholeAccount, pages: 0, listed: 0, skipped: 0, events: 0, duration: .zero,
            failure: nil, interrupted: false)
        var pageNumber = 1
        while true {
            if gate?.isOpen == false || Task.isCancelled {
                report.interrupted = true
                break
            }
            let page: DeviceListingPage
            do {
                page = try await client.searchDevices(
                    modifiedSince: window.modifiedSince, pageNumber: pageNumber, accountID: accountID)
            } catch let error as ControlCenterError {
                report.failure = error
                break
            } catch {
                report.interrupted = true
                break
            }
            report.pages += 1
            report.listed += page.devices.count
            report.skipped += page.skippedCount
            if page.skippedCount > 0 {
                logger.warning("Search Devices listed records that cannot be true; they are skipped", metadata: [
                    "page": "\(pageNumber)", "skipped": "\(page.skippedCount)", "reason": "\(page.skipped.joined(separator: "; "))",
                ])
            }
            report.events += await engine.recordListing(page.devices, window: window).count
            heartbeat.tick()
            if page.lastPage { break }
            guard pageNumber < ControlCenterClient.maxSearchPages else {
                report.failure = .unexpectedResponse(
                    status: 200, snippet: "\"\"",
                    reason: "no last page after \(ControlCenterClient.maxSearchPages) pages of Search Devices")
                break
            }
            pageNumber += 1
        }
        report.duration = clock.now - started
        if report.succeeded {
            await engine.finishFeedPass(window: window, startedAt: startedAt)
        } else if case .invalidCredentials = report.failure {
            await engine.noteFeedFailure(
                "credentials rejected on Search Devices (HTTP 401, error 10000001): check control_center.username and the API key")
        } else if window.wholeAccount, let failure = report.failure {
            // Until discovery lists the account, a cycle without configured devices watches nothing.
            await engine.noteFeedFailure("discovery failed: \(failure)")
        }
        return report
    }
}

extension FeedPassReport {
    /// The pass's log line: discovery and passes with events at info, quiet passes at debug,
    /// failures as `FeedLog` decides.
    func log(to logger: Logger, inventory: Int) {
        guard failure == nil, !interrupted else { return }
        let metadata: Logger.Metadata = [
            "pages": "\(pages)", "listed": "\(listed)", "events": "\(events)", "inventory": "\(inventory)",
            "duration": "\(HumanFormat.decimal(duration.seconds))s",
        ]
        if wholeAccount {
            logger.info("inventory listed", metadata: metadata)
        } else if events > 0 {
            logger.info("change feed pass finished", metadata: metadata)
        } else {
            logger.debug("change feed pass finished", metadata: metadata)
        }
    }
}

/// Says what is wrong with the feed once, not every period: a refused role or rejected
/// credentials are logged when they start and when they end; other failures each time.
struct FeedLog {
    private var refused: String?

    /// Logs what `report` says is wrong (or right again), as this value's memory allows.
    mutating func report(_ report: FeedPassReport, to logger: Logger) {
        switch report.failure {
        case .some(let error) where Self.isRefusal(error):
            let text = "\(error)"
            guard refused != text else { return }
            refused = text
            if case .invalidCredentials = error {
                logger.error("change feed refused: Search Devices answered 401; if usage polls succeed, the API user's role may not call Search Devices; usage polling goes on", metadata: [
                    "error": "\(error)",
                ])
            } else {
                logger.error("change feed refused: the API user's role may not call Search Devices; usage polling goes on", metadata: [
                    "error": "\(error)",
                ])
            }
        case .some(let error):
            logger.warning("change feed pass failed; retrying next period", metadata: [
                "pages": "\(report.pages)", "error": "\(error)",
            ])
        case .none:
            if report.succeeded, refused != nil {
                refused = nil
                logger.info("change feed works again: Search Devices answers")
            }
        }
    }

    private static func isRefusal(_ error: ControlCenterError) -> Bool {
        switch error {
        case .roleNotAllowed, .invalidCredentials: true
        default: false
        }
    }
}
