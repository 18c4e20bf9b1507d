import Synchronization

/// Request counts by source and status, for logs at shutdown now and `/metrics` later.
final class IngestMetrics: Sendable {
    private struct Key: Hashable {
        let source: String
        let status: Int
    }

    private let counts = Mutex<[Key: Int]>([:])

    func count(source: String, status: Int) {
        counts.withLock { $0[Key(source: source, status: status), default: 0] += 1 }
    }

    /// (source, status, count), sorted.
    var snapshot: [(source: String, status: Int, count: Int)] {
        counts.withLock { c in
            c.map { ($0.key.source, $0.key.status, $0.value) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        }
    }
}
