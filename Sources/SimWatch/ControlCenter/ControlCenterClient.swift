import CurlHTTP
import Foundation
import Logging

/// Reads device usage from Cisco IoT Control Center, within the account's limits.
///
/// Every request of the account goes through one `AccountLimiter`; server errors,
/// rate limiting and transport errors are retried with backoff, never 400, 401 or 404.
public final class ControlCenterClient: Sendable {
    private let settings: ControlCenterSettings
    private let http: any HTTPClient
    private let limiter: AccountLimiter
    private let retry: RetryPolicy
    private let logger: Logger

    public init(
        settings: ControlCenterSettings, http: any HTTPClient, retry: RetryPolicy = RetryPolicy(), logger: Logger
    ) {
        self.settings = settings
        self.http = http
        self.limiter = AccountLimiter(rate: settings.rateLimit, concurrency: settings.concurrency)
        self.retry = retry
        self.logger = logger
    }

    /// The cycle-to-date usage of one device.
    ///
    /// Throws `ControlCenterError`, or `CancellationError` when the task is cancelled.
    public func usage(iccid: String) async throws -> DeviceUsage {
        guard ICCID.isValid(iccid) else { throw ControlCenterError.invalidICCID(iccid) }
        var attempt = 1
        while true {
            let result = try await attemptUsage(iccid: iccid)
            switch result {
            case .success(let usage):
                return usage
            case .failure(let error):
                guard error.isRetryable, attempt < retry.attempts else { throw error }
                var delay = retry.delay(after: attempt)
                if case .rateLimited(let retryAfter?) = error {
                    delay = max(delay, retryAfter)
                }
                logger.debug("retrying Control Center call", metadata: [
                    "iccid": "\(iccid)", "attempt": "\(attempt)", "delay": "\(delay)", "error": "\(error)",
                ])
                try await Task.sleep(for: delay)
                attempt += 1
            }
        }
    }

    /// The URL for a device's usage; the ICCID must already be valid.
    public func usageURL(iccid: String) -> String {
        "\(settings.baseURL)/rws/api/v\(settings.apiVersion)/devices/\(iccid)/ctdUsages"
    }

    private func attemptUsage(iccid: String) async throws -> Result<DeviceUsage, ControlCenterError> {
        let request = HTTPRequest(
            url: usageURL(iccid: iccid),
            headers: [("Accept", "application/json")],
            basicAuth: BasicAuth(username: settings.username, password: settings.apiKey.reveal()),
            timeout: settings.timeout
        )
        let response: HTTPResponse
        do {
            response = try await limiter.withSlot { [http] in try await http.execute(request) }
        } catch let error as HTTPClientError {
            return .failure(.transport(error))
        }
        let result = UsageResponse.interpret(
            response, iccid: iccid, apiVersion: settings.apiVersion, secrets: secretsToStrip
        )
        if case .failure(.rateLimited(let retryAfter?)) = result {
            // Retry-After speaks for the whole account, not just this request.
            await limiter.pause(for: retryAfter)
        }
        return result
    }

    private var secretsToStrip: [String] {
        let key = settings.apiKey.reveal()
        let basic = Data("\(settings.username):\(key)".utf8).base64EncodedString()
        return [key, basic]
    }
}
