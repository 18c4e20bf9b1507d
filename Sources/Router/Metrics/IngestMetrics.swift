import Synchronization

/// What the ingest listener counts: requests by source and status, events by source and type,
/// events no route wanted.
final class IngestMetrics: Sendable {
    struct Counts: Sendable {
        var requests: [Pair: Int] = [:]
        var events: [Pair: Int] = [:]
        var unrouted: [String: Int] = [:]
    }

    struct Pair: Hashable, Sendable {
        let a: String
        let b: String
    }

    private let counts = Mutex(Counts())

    func count(source: String, status: Int) {
        counts.withLock { $0.requests[Pair(a: source, b: String(status)), default: 0] += 1 }
    }

    func stored(source: String, type: String, deliveries: Int) {
        counts.withLock { c in
            c.events[Pair(a: source, b: type), default: 0] += 1
            if deliveries == 0 { c.unrouted[source, default: 0] += 1 }
        }
    }

    var snapshot: Counts { counts.withLock { $0 } }

    /// (source, status, count), sorted: the shutdown log line.
    var requestSummary: String {
        snapshot.requests.sorted { ($0.key.a, $0.key.b) < ($1.key.a, $1.key.b) }.map { "\($0.key.a) \($0.key.b): \($0.value)" }.joined(separator: ", ")
    }
}
