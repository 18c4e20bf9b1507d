import Synchronization

/// Delivery counts by target and outcome and attempt latencies, for logs now and `/metrics` later.
final class DeliveryMetrics: Sendable {
    struct Counts: Sendable {
        var attempts: [String: Int] = [:]
        var outcomes: [String: [String: Int]] = [:]
        var inFlight: [String: Int] = [:]
    }

    private let counts = Mutex(Counts())

    func started(target: String) {
        counts.withLock { $0.inFlight[target, default: 0] += 1 }
    }

    func finished(target: String, result: AttemptResult, milliseconds: Int64, final: DeliveryStatus) {
        counts.withLock { c in
            c.inFlight[target, default: 0] -= 1
            c.attempts[target, default: 0] += 1
            let outcome = result.succeeded ? "delivered" : (final == .dead ? "dead" : "retry")
            c.outcomes[target, default: [:]][outcome, default: 0] += 1
        }
    }

    func orphaned(target: String) {
        counts.withLock { $0.outcomes[target, default: [:]]["orphaned", default: 0] += 1 }
    }

    var snapshot: Counts { counts.withLock { $0 } }
}
