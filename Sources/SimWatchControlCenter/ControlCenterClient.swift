import CurlHTTP
import Foundation
import Logging
import SimWatchConfig
import SimWatchCore

/// Reads device usage from Cisco IoT Control Center, within the account's limits.
///
/// Every request of the account goes through one `AccountLimiter`; server and transport
/// errors are retried with backoff, never 400, 401 or 404. Rate limiting (429, or
/// errorCode 40000029 with any status) pauses the whole account and is retried on its own
/// budget (`RetryPolicy.rateLimitRetries`).
public final class ControlCenterClient: Sendable {
    let settings: ControlCenterSettings
    private let http: any HTTPClient
    private let limiter: AccountLimiter<MonotonicClock>
    private let clock: MonotonicClock
    private let retry: RetryPolicy
    private let logger: Logger
    /// Strips the API key, its Basic-auth form and URL parts from anything the server echoes.
    let redactor: RedactedURL
    private let onRateLimitPause: (@Sendable (Duration) -> Void)?
    /// Every usage request but its URL, built once.
    private let requestTemplate: HTTPRequest

    /// - Parameters:
    ///   - onRateLimitPause: called with each account pause rate limiting causes,
    ///     e.g. to count them in the metrics.
    ///   - clock: paces the account (rate limit, pauses) and the retries; injectable for tests.
    public init(
        settings: ControlCenterSettings, http: any HTTPClient, retry: RetryPolicy = RetryPolicy(), logger: Logger,
        onRateLimitPause: (@Sendable (Duration) -> Void)? = nil, clock: MonotonicClock = .continuous
    ) {
        self.settings = settings
        self.http = http
        self.clock = clock
        self.limiter = AccountLimiter(rate: settings.rateLimit, concurrency: settings.concurrency, clock: clock)
        self.retry = retry
        self.logger = logger
        self.redactor = Self.redactor(for: settings)
        self.onRateLimitPause = onRateLimitPause
        self.requestTemplate = HTTPRequest(
            url: "",
            headers: [("Accept", "application/json")],
            basicAuth: BasicAuth(username: settings.username, password: settings.apiKey.reveal()),
            timeout: settings.timeout
        )
    }

    /// Where a task polling many devices should run: the HTTP client's transfer thread, which
    /// then handles each request and its answer without a thread switch.
    public var taskExecutor: (any TaskExecutor)? { http.taskExecutor }

    /// The cycle-to-date usage of one device.
    ///
    /// Throws `ControlCenterError`, or `CancellationError` when the task is cancelled.
    ///
    /// - Parameter mayStart: asked once the account has a slot for the request; false gives
    ///   the slot back and throws `CancellationError` (a poll that waited past a shutdown).
    ///
    /// `mayStart` is asked once the request has its account slot; `answerFailed` hears of a
    /// failed answer before that slot is given back, so that what the failure stops (a 401
    /// ends the cycle) holds before the request waiting for the slot asks `mayStart`.
    public func usage(
        iccid: String, mayStart: (@Sendable () -> Bool)? = nil,
        answerFailed: (@Sendable (ControlCenterError) -> Void)? = nil
    ) async throws -> DeviceUsage {
        guard ICCID.isValid(iccid) else { throw ControlCenterError.invalidICCID(iccid) }
        return try await perform(
            url: usageURL(iccid: iccid), subject: ["iccid": "\(iccid)"], mayStart: mayStart, answerFailed: answerFailed
        ) { [settings, redactor] response in
            UsageResponse.interpret(response, iccid: iccid, apiVersion: settings.apiVersion, redactor: redactor)
        }
    }

    /// The URL for a device's usage; the ICCID must already be valid.
    public func usageURL(iccid: String) -> String {
        "\(settings.baseURL)/rws/api/v\(settings.apiVersion)/devices/\(iccid)/ctdUsages"
    }

    /// The one request path of every function: the account's limiter, retries with backoff
    /// for retryable errors, and account pauses for rate limiting on their own budget.
    ///
    /// `subject` names what the request is about in log lines (an ICCID, a function);
    /// `interpret` turns each answer into a value or a typed error.
    func perform<T: Sendable>(
        url: String, subject: Logger.Metadata, mayStart: (@Sendable () -> Bool)? = nil,
        answerFailed: (@Sendable (ControlCenterError) -> Void)? = nil,
        interpret: @Sendable (HTTPResponse) -> Result<T, ControlCenterError>
    ) async throws -> T {
        var attempt = 1
        var limited = 0
        while true {
            let result = try await send(url: url, mayStart: mayStart, answerFailed: answerFailed, interpret: interpret)
            switch result {
            case .success(let value):
                return value
            case .failure(.rateLimited(let retryAfter)):
                limited += 1
                // The pause holds every request of the account, this one's retry included.
                await pauseAccount(retryAfter: retryAfter, subject: subject)
                guard limited <= retry.rateLimitRetries else { throw ControlCenterError.rateLimited(retryAfter: retryAfter) }
            case .failure(let error):
                guard error.isRetryable, attempt < retry.attempts else { throw error }
                let delay = retry.delay(after: attempt)
                logger.debug("retrying Control Center call", metadata: subject.merging([
                    "attempt": "\(attempt)", "delay": "\(delay)", "error": "\(error)",
                ]) { $1 })
                try await clock.sleep(for: delay)
                attempt += 1
            }
        }
    }

    private func send<T: Sendable>(
        url: String, mayStart: (@Sendable () -> Bool)?, answerFailed: (@Sendable (ControlCenterError) -> Void)?,
        interpret: @Sendable (HTTPResponse) -> Result<T, ControlCenterError>
    ) async throws -> Result<T, ControlCenterError> {
        var request = requestTemplate
        request.url = url
        try await limiter.acquire()
        if let mayStart, !mayStart() {
            limiter.release()
            throw CancellationError()
        }
        let response: HTTPResponse
        do {
            response = try await http.execute(request)
        } catch let error as HTTPClientError {
            limiter.release()
            return .failure(.transport(error))
        } catch {
            limiter.release()
            throw error
        }
        if (200..<300).contains(response.status) {
            // A success frees the slot before it is read, and the request waiting for it goes
            // out first: the server works on it while this answer is decoded and diffed. It
            // ends a rate-limit streak too (a 2xx error body saying "rate limited" still pauses
            // the account below; it just does not count towards a longer pause).
            if limiter.release(answered: true) { await Task.yield() }
            return interpret(response)
        }
        // Anything else is read first, so a rate-limited answer pauses the account before
        // the next request can start; ending a streak rides on the release.
        let result = interpret(response)
        if case .failure(let error) = result { answerFailed?(error) }
        if case .failure(.rateLimited) = result {
            limiter.release()
        } else {
            limiter.release(answered: true)
        }
        return result
    }

    /// Pauses every request of the account after a limited answer, and says so once.
    private func pauseAccount(retryAfter: Duration?, subject: Logger.Metadata) async {
        let pause = limiter.rateLimited(
            retryAfter: retryAfter, base: retry.rateLimitBaseDelay, maximum: retry.rateLimitMaxDelay)
        logger.warning("rate limited by Control Center; pausing the account", metadata: subject.merging([
            "pause": "\(pause < .seconds(1) ? HumanFormat.duration(pause) : HumanFormat.decimal(pause.seconds) + "s")",
        ]) { $1 })
        onRateLimitPause?(pause)
    }

    /// The one redactor for this account's answers: built once, it parses the URL with libcurl.
    static func redactor(for settings: ControlCenterSettings) -> RedactedURL {
        let key = settings.apiKey.reveal()
        let basic = Data("\(settings.username):\(key)".utf8).base64EncodedString()
        return RedactedURL(settings.baseURL, password: key, secrets: [basic])
    }
}
