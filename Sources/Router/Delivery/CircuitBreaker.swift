import Rules

/// Per-target circuit breaker: after `threshold` consecutive failures the circuit opens and deliveries
/// wait; after `openMilliseconds` one probe goes out; its success closes the circuit, its failure
/// reopens it. An open circuit delays deliveries, it never drops them. Pure; the clock is passed in.
struct CircuitBreaker: Sendable, Equatable {
    enum State: Sendable, Equatable {
        case closed(failures: Int)
        case open(until: Int64)
        /// One probe is in flight.
        case probing
    }

    let threshold: Int
    let openMilliseconds: Int64
    private(set) var state = State.closed(failures: 0)

    init(threshold: Int = 5, openMilliseconds: Int64 = 30_000) {
        self.threshold = threshold
        self.openMilliseconds = openMilliseconds
    }

    init(_ settings: CircuitSettings) {
        self.init(threshold: settings.failures, openMilliseconds: settings.openMilliseconds)
    }

    /// Whether a request may start now; when the open period is over this lets exactly one probe through.
    mutating func allowsRequest(now: Int64) -> Bool {
        switch state {
        case .closed: return true
        case .probing: return false
        case .open(let until):
            guard now >= until else { return false }
            state = .probing
            return true
        }
    }

    /// When an open circuit will let a probe through (for the engine's sleep), nil otherwise.
    var reopensAt: Int64? {
        if case .open(let until) = state { return until }
        return nil
    }

    /// Open or probing: deliveries to the target wait.
    var isOpen: Bool { !state.isClosed }

    mutating func recordSuccess() { state = .closed(failures: 0) }

    /// Returns true when this failure opened the circuit.
    @discardableResult
    mutating func recordFailure(now: Int64) -> Bool {
        switch state {
        case .closed(let failures):
            if failures + 1 >= threshold {
                state = .open(until: now + openMilliseconds)
                return true
            }
            state = .closed(failures: failures + 1)
            return false
        case .probing, .open:
            state = .open(until: now + openMilliseconds)
            return true
        }
    }
}

extension CircuitBreaker.State {
    var isClosed: Bool {
        if case .closed = self { return true }
        return false
    }
}
