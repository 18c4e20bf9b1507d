/// A compiled delivery target.
public final class Target: Sendable {
    public let name: String
    public let index: Int
    public let url: String
    public let method: String
    public let timeoutMilliseconds: Int64
    public let headers: [HTTPField]
    public let sign: Signing?
    public let retry: RetryPolicy
    /// Requests in flight to this target at most.
    public let concurrency: Int
    public let rateLimit: Rate?
    public let circuit: CircuitSettings
    /// Set for a stream target: pushed to connected clients, not sent to `url` (which is empty).
    public let stream: StreamSettings?
    /// Created through the subscriptions API: its URL is untrusted, so every address it resolves to
    /// is checked against `settings.subscriptions.allow_networks` and the blocked ranges at connect time.
    public let guarded: Bool
    public let location: SourceLocation

    public enum Signing: Sendable {
        /// `X-Webhook-Signature: <hex HMAC-SHA256(secret, body)>`
        case hmacSHA256(Secret)
        /// `webhook-id`, `webhook-timestamp`, `webhook-signature` with the decoded `whsec_` key.
        case standardWebhooks(key: [UInt8])
    }

    init(name: String, index: Int, url: String, method: String, timeoutMilliseconds: Int64, headers: [HTTPField], sign: Signing?, retry: RetryPolicy, concurrency: Int, rateLimit: Rate?, circuit: CircuitSettings, stream: StreamSettings?, guarded: Bool, location: SourceLocation) {
        self.name = name
        self.index = index
        self.url = url
        self.method = method
        self.timeoutMilliseconds = timeoutMilliseconds
        self.headers = headers
        self.sign = sign
        self.retry = retry
        self.concurrency = concurrency
        self.rateLimit = rateLimit
        self.circuit = circuit
        self.stream = stream
        self.guarded = guarded
        self.location = location
    }
}

/// When to try a failed delivery again.
public enum RetryPolicy: Sendable, Equatable {
    /// Waits before attempt 2, 3, … (Focus NFe style: 1m, 30m, 1h, 3h, 24h); dead after the last.
    case schedule([Int64])
    /// Exponential with full jitter from `initial`, doubling, capped at `max`, `attempts` in all.
    case exponential(attempts: Int, initialMilliseconds: Int64, maxMilliseconds: Int64)

    public static let `default` = RetryPolicy.exponential(attempts: 8, initialMilliseconds: 10_000, maxMilliseconds: 3_600_000)

    /// Attempts in all, the first included.
    public var maxAttempts: Int {
        switch self {
        case .schedule(let waits): return waits.count + 1
        case .exponential(let attempts, _, _): return attempts
        }
    }

    /// Upper bound of the wait after failed attempt `attempt` (1-based); nil when no attempt is left.
    public func ceilingMilliseconds(afterAttempt attempt: Int) -> Int64? {
        guard attempt >= 1, attempt < maxAttempts else { return nil }
        switch self {
        case .schedule(let waits): return waits[attempt - 1]
        case .exponential(_, let initial, let cap):
            let shift = min(attempt - 1, 40)
            let (v, overflow) = initial.multipliedReportingOverflow(by: Int64(1) << shift)
            return overflow ? cap : min(v, cap)
        }
    }
}

/// When a target's circuit opens (consecutive failures) and how long it stays open before a probe.
public struct CircuitSettings: Sendable, Equatable {
    public var failures = 5
    public var openMilliseconds: Int64 = 30_000

    public init() {}
}
