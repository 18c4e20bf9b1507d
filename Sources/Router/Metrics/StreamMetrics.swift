import Synchronization

/// What the stream hub counts, per stream target: clients connected by transport, messages pushed and
/// dropped, disconnects by reason. The hub adds up a turn's counts and hands them over once per turn,
/// so a fan-out to thousands of clients takes the lock once.
final class StreamMetrics: Sendable {
    struct Stream: Sendable {
        var clients: [String: Int] = [:]
        var pushed = 0
        var dropped = 0
        var replayed = 0
        var disconnects: [String: Int] = [:]
        var refused: [Int: Int] = [:]
    }

    private let streams = Mutex<[String: Stream]>([:])

    func add(_ turn: [String: Stream]) {
        streams.withLock { all in
            for (name, t) in turn {
                var s = all[name, default: Stream()]
                s.pushed += t.pushed
                s.dropped += t.dropped
                s.replayed += t.replayed
                for (k, v) in t.disconnects { s.disconnects[k, default: 0] += v }
                for (k, v) in t.refused { s.refused[k, default: 0] += v }
                for (k, v) in t.clients { s.clients[k, default: 0] += v }
                all[name] = s
            }
        }
    }

    var snapshot: [String: Stream] { streams.withLock { $0 } }
}
