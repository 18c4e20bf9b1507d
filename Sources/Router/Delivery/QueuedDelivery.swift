import Synchronization
import Rules

/// A pending delivery the engine holds in memory until its attempt is recorded.
///
/// A class: lanes are binary heaps, and each swap of a struct this size (strings and the whole
/// event) cost a dozen retains and releases; a reference costs one (perf: ~6% of the engine's CPU in
/// heap pops). Handed from the writer thread to the engine once, then the engine's alone.
final class QueuedDelivery: @unchecked Sendable {
    let id: Int64
    let eventSeq: Int64
    let route: String
    let target: String
    /// Attempts made so far.
    let attempts: Int
    /// Due time, wall-clock milliseconds.
    let dueMilliseconds: Int64
    /// The event, when it came straight from ingest (saves a read); nil means read it from the store.
    let event: StoredEvent?
    /// `attempts` when the delivery was last replayed (0 if never): the retry budget counts from here.
    let attemptBase: Int
    /// The event's source and id, for log lines (SPEC: every line about a delivery names them).
    let source: String
    let eventID: String
    /// When the delivery was created (its event's receipt): its row's `created_ms` when it gets one.
    let createdMilliseconds: Int64
    /// False for a delivery straight from ingest that has no row yet: its success is not written (the
    /// settled cursor covers it), its first other outcome creates the row. Engine thread only.
    var hasRow: Bool

    init(id: Int64, eventSeq: Int64, route: String, target: String, attempts: Int, dueMilliseconds: Int64, event: StoredEvent?,
         attemptBase: Int = 0, source: String = "", eventID: String = "", createdMilliseconds: Int64 = 0, hasRow: Bool = true) {
        self.id = id
        self.eventSeq = eventSeq
        self.route = route
        self.target = target
        self.attempts = attempts
        self.dueMilliseconds = dueMilliseconds
        self.event = event
        self.attemptBase = attemptBase
        self.source = source
        self.eventID = eventID
        self.createdMilliseconds = createdMilliseconds
        self.hasRow = hasRow
    }

    /// The fields every log line about this delivery carries.
    func logFields(_ extra: KeyValuePairs<String, String> = [:]) -> [(String, String)] {
        [("source", source), ("route", route), ("target", target), ("event_id", eventID), ("delivery_id", String(id))] + extra.map { ($0.key, $0.value) }
    }

    /// The number of `attempt` within the current retry budget (1 for the first after a replay).
    func attemptInBudget(_ attempt: Int) -> Int { attempt - attemptBase }
}

extension QueuedDelivery {
    /// A delivery the store just created: due now, its event at hand.
    /// `hasRow`: the store wrote a row for it (PostgreSQL's does for every delivery; SQLite's does not).
    convenience init(new d: NewDelivery, hasRow: Bool = false) {
        self.init(id: d.id, eventSeq: d.eventSeq, route: d.route, target: d.target, attempts: 0,
                  dueMilliseconds: d.event.receivedAt.milliseconds, event: d.event, source: d.event.source, eventID: d.event.eventID,
                  createdMilliseconds: d.event.receivedAt.milliseconds, hasRow: hasRow)
    }
}

/// Handed from the store writer (new deliveries, settled attempts) and the CLI/admin side (rescan) to
/// the engine thread, which it wakes.
final class DeliveryInbox: Sendable {
    private struct State {
        var fresh: [QueuedDelivery] = []
        var settled: [Int64] = []
        var rescan = false
        var wake: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func setWake(_ wake: @escaping @Sendable () -> Void) { state.withLock { $0.wake = wake } }

    func post(new deliveries: [QueuedDelivery] = [], settled ids: [Int64] = [], rescan: Bool = false) {
        let wake = state.withLock { s in
            s.fresh += deliveries
            s.settled += ids
            s.rescan = s.rescan || rescan
            return s.wake
        }
        wake?()
    }

    func take() -> (fresh: [QueuedDelivery], settled: [Int64], rescan: Bool) {
        state.withLock { s in
            defer {
                s.fresh.removeAll(keepingCapacity: true)
                s.settled.removeAll(keepingCapacity: true)
                s.rescan = false
            }
            return (s.fresh, s.settled, s.rescan)
        }
    }
}
