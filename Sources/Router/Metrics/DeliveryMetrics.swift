import Synchronization

/// What the delivery engine counts: attempts by target and outcome, attempt latency, and the engine's
/// own gauges (queue depth, oldest due delivery, circuit state) published once a loop turn.
final class DeliveryMetrics: Sendable {
    /// Upper bounds (seconds) of the attempt-latency histogram buckets.
    static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    struct Target: Sendable {
        var outcomes: [String: Int] = [:]
        var latency = [Int](repeating: 0, count: DeliveryMetrics.bounds.count + 1)
        var latencySum: Double = 0
        var queued = 0
        var inFlight = 0
        var circuitOpen = false
    }

    struct Counts: Sendable {
        var targets: [String: Target] = [:]
        /// Age in seconds of the oldest delivery that is due and not yet started.
        var oldestDueSeconds: Double = 0
    }

    private let counts = Mutex(Counts())

    func finished(target: String, result: AttemptResult, milliseconds: Int64, final: DeliveryStatus) {
        let seconds = Double(milliseconds) / 1000
        let bucket = Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count
        let outcome = result.succeeded ? "delivered" : (final == .dead ? "dead" : "failed_will_retry")
        // One lookup of the target (each `c.targets[target]` hashes its name again).
        func add(to t: inout Target) {
            t.outcomes[outcome, default: 0] += 1
            t.latency[bucket] += 1
            t.latencySum += seconds
        }
        counts.withLock { c in add(to: &c.targets[target, default: Target()]) }
    }

    func orphaned(target: String) {
        counts.withLock { $0.targets[target, default: Target()].outcomes["orphaned", default: 0] += 1 }
    }

    /// The engine's gauges, replaced as a whole.
    func publish(lanes: [(name: String, queued: Int, inFlight: Int, circuitOpen: Bool)], oldestDueSeconds: Double) {
        counts.withLock { c in
            for lane in lanes {
                c.targets[lane.name, default: Target()].queued = lane.queued
                c.targets[lane.name, default: Target()].inFlight = lane.inFlight
                c.targets[lane.name, default: Target()].circuitOpen = lane.circuitOpen
            }
            c.oldestDueSeconds = oldestDueSeconds
        }
    }

    var snapshot: Counts { counts.withLock { $0 } }
}
