import Rules

/// One target's queue and health in the engine: due deliveries by time, requests in flight, the
/// circuit breaker and the rate-limit bucket. Engine thread only.
final class TargetLane {
    let name: String
    var queue = MinHeap<QueuedDelivery> { $0.dueMilliseconds }
    var inFlight = 0
    /// The last scan filled the lane: more due deliveries wait in the store.
    var backlog = false
    var breaker: CircuitBreaker
    private var tokens: Double = -1
    private var tokensUpdated: Int64 = 0

    init(name: String, breaker: CircuitBreaker) {
        self.name = name
        self.breaker = breaker
    }

    /// Takes a token of `rate` if one is there; with no rate every request passes.
    func takeToken(rate: Rate?, now: Int64) -> Bool {
        guard let rate else { return true }
        let capacity = Double(rate.count)
        if tokens < 0 { tokens = capacity; tokensUpdated = now }
        tokens = min(capacity, tokens + Double(now - tokensUpdated) * capacity / Double(rate.perMilliseconds))
        tokensUpdated = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// When the next token arrives (for the engine's sleep).
    func nextTokenAt(rate: Rate?, now: Int64) -> Int64 {
        guard let rate, tokens < 1 else { return now }
        return now + Int64(((1 - tokens) * Double(rate.perMilliseconds) / Double(rate.count)).rounded(.up))
    }
}
