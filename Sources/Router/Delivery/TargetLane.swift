import Rules

/// One target's queue and health in the engine: due deliveries by time, requests in flight, the
/// circuit breaker and the rate-limit bucket. Engine thread only.
final class TargetLane {
    let name: String
    var queue = MinHeap<QueuedDelivery> { $0.dueMilliseconds }
    var inFlight = 0
    /// The last scan filled the lane: more due deliveries wait in the store.
    var backlog = false
    /// Where the last read of this lane's due deliveries stopped: a refill reads on from here rather
    /// than past every row the lane holds again (the scan every second starts over).
    var cursor = DueCursor.start
    var breaker: CircuitBreaker
    /// A 429 asked for nothing before this (wall-clock milliseconds): no delivery of the lane starts.
    var throttledUntil: Int64 = 0
    /// Lines for this target's failed attempts: 10 in 10 s, the rest counted.
    var failureLines = LogBudget(lines: 10, windowMilliseconds: 10_000)
    private var tokens: Double = -1
    private var tokensUpdated: Int64 = 0
    /// The lane's target in the table last asked about (by generation: a reload swaps the table), so the
    /// engine finds it by index, not by hashing its name, for each delivery it starts and completes. Not
    /// a reference to the table: an idle lane would keep a reloaded-away table alive.
    private var resolved: (generation: UInt64, index: Int?)?

    init(name: String, breaker: CircuitBreaker) {
        self.name = name
        self.breaker = breaker
    }

    /// The index of this lane's target in `table`, nil when the table has no target of its name.
    func targetIndex(in table: RouteTable) -> Int? {
        if let resolved, resolved.generation == table.generation { return resolved.index }
        let index = table.targetIndex(named: name)
        resolved = (table.generation, index)
        return index
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

    /// When the next token arrives (for the engine's sleep), counted from the bucket's last update.
    func nextTokenAt(rate: Rate?, now: Int64) -> Int64 {
        guard let rate, tokens >= 0, tokens < 1 else { return now }
        return max(now, tokensUpdated + Int64(((1 - tokens) * Double(rate.perMilliseconds) / Double(rate.count)).rounded(.up)))
    }

    /// When this lane could start its next delivery, for the engine's sleep; nil when only a transfer's
    /// completion can unblock it (at its concurrency limit, or a circuit probe in flight), which wakes
    /// the loop anyway. Without this, a due delivery held back by the limit made the loop spin.
    func wakeAt(concurrency: Int, rate: Rate?, now: Int64) -> Int64? {
        guard let head = queue.first else { return nil }
        if inFlight >= concurrency { return nil }
        if throttledUntil > now { return max(head.dueMilliseconds, throttledUntil) }
        switch breaker.state {
        case .probing: return nil
        case .open(let until): return max(head.dueMilliseconds, until)
        case .closed: return max(head.dueMilliseconds, nextTokenAt(rate: rate, now: now))
        }
    }
}
