import Rules

/// What one attempt got back from the target.
enum AttemptResult: Sendable, Equatable {
    /// The target answered; `retryAfterMilliseconds` from its `Retry-After`, when given.
    case answered(status: Int, retryAfterMilliseconds: Int64?)
    /// No answer: timeout, refused, reset, TLS failure (the text says which).
    case failed(String)

    var succeeded: Bool {
        if case .answered(let s, _) = self { return (200...299).contains(s) }
        return false
    }

    /// Whether it counts against the target's health (circuit breaker): no answer and 5xx do. A 429 is
    /// the target pacing us, not failing (`throttleMilliseconds`); other 4xx are about this one request.
    var isTargetFailure: Bool {
        switch self {
        case .failed: return true
        case .answered(let s, _): return s >= 500
        }
    }

    /// Longest pause a target's `Retry-After` can impose on its whole lane.
    static let maxThrottleMilliseconds: Int64 = 3_600_000

    /// How long the target asked us to send it nothing (429): its `Retry-After`, else a second, at most
    /// an hour.
    var throttleMilliseconds: Int64? {
        guard case .answered(429, let after) = self else { return nil }
        return min(after ?? 1000, Self.maxThrottleMilliseconds)
    }
}

/// Decides what a delivery becomes after an attempt (SPEC §5.3). Pure: the jitter source is passed in.
enum RetryDecision {
    struct Next: Equatable {
        let status: DeliveryStatus
        let nextAttemptAt: Timestamp?
        let reason: String?
    }

    /// `attempt` is the number of the attempt just made (1 for the first).
    static func next(after result: AttemptResult, attempt: Int, policy: RetryPolicy, now: Timestamp,
                     jitter: (Int64) -> Int64 = { $0 > 0 ? Int64.random(in: 0...$0) : 0 }) -> Next {
        var retryAfter: Int64?
        switch result {
        case .answered(let status, let after):
            if (200...299).contains(status) { return Next(status: .delivered, nextAttemptAt: nil, reason: nil) }
            // 410: the receiver says it will never want this; retrying would only annoy it.
            if status == 410 { return Next(status: .dead, nextAttemptAt: nil, reason: "target answered 410 Gone") }
            if status == 429 || status == 503 { retryAfter = after }
        case .failed:
            break
        }
        guard let ceiling = policy.ceilingMilliseconds(afterAttempt: attempt) else {
            return Next(status: .dead, nextAttemptAt: nil, reason: "no attempts left (\(policy.maxAttempts) made)")
        }
        var wait: Int64
        switch policy {
        case .schedule: wait = ceiling  // an explicit schedule is followed as written
        case .exponential: wait = jitter(ceiling)  // full jitter spreads a burst of failures
        }
        if let retryAfter { wait = max(wait, retryAfter) }
        return Next(status: .pending, nextAttemptAt: now.adding(milliseconds: wait), reason: nil)
    }

    /// `Retry-After` as delta-seconds (the form targets use for 429/503); an HTTP-date is ignored.
    static func parseRetryAfter(_ value: String) -> Int64? {
        let t = value.trimmingCharacters(in: " \t\r\n")
        guard !t.isEmpty, t.utf8.count <= 9, t.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let s = Int64(t) else { return nil }
        return s * 1000
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
