/// What the store is told of deliveries without rows: every one of an event up to `through` is
/// settled, and those listed in `deliveredAbove` (events after it) were delivered too.
struct SettledState: Equatable, Sendable {
    var through: Int64
    var deliveredAbove: [Int64]
}

/// The engine's side of the store's settled cursor (`delivery_state.settled_seq`): the events whose
/// deliveries came from ingest without rows, and how many of each are not settled yet (queued or in
/// flight, with no record written). A delivery is settled when it succeeded at its first attempt (it
/// never gets a row) or when a record giving it a row has been handed to the store.
///
/// The cursor waits for the oldest unsettled delivery, so deliveries made after it are also listed
/// (`deliveredAbove`, at most `deliveredAboveCap`): a restart then re-sends only what was in flight or
/// not yet handed over, not everything the cursor had not passed.
/// Engine thread only.
struct SettleTracker {
    static let deliveredAboveCap = 1024
    /// Seqs with unsettled deliveries, ascending: ingest hands deliveries over in commit order.
    private var order: [Int64] = []
    private var head = 0
    private var unsettled: [Int64: Int] = [:]
    /// The highest seq ingest handed over.
    private(set) var highest: Int64 = 0

    /// Deliveries from ingest not settled yet.
    private(set) var count = 0
    /// Delivery ids made at their first attempt for events after the cursor, by event.
    private var deliveredAbove: [Int64: [Int64]] = [:]
    private var deliveredAboveCount = 0
    /// Changes whenever `state` does, so the engine hands it over only then.
    private(set) var version = 0

    /// The list is at its cap: what holds the cursor back should get rows (or a crash re-sends more).
    var deliveredAboveIsFull: Bool { deliveredAboveCount >= Self.deliveredAboveCap }

    var state: SettledState {
        SettledState(through: cursor, deliveredAbove: deliveredAbove.values.flatMap { $0 }.sorted())
    }

    mutating func add(seq: Int64) {
        let before = cursor
        defer { if cursor != before { version += 1 } }
        count += 1
        if let n = unsettled[seq] {
            unsettled[seq] = n + 1
            return
        }
        unsettled[seq] = 1
        if seq >= highest || order.isEmpty {
            order.append(seq)
        } else {
            // Not expected (commit order), but the cursor must stay right if it happens.
            let at = order[head...].firstIndex { $0 > seq } ?? order.count
            order.insert(seq, at: at)
        }
        highest = max(highest, seq)
    }

    /// A delivery without a row that succeeded at its first attempt.
    mutating func delivered(seq: Int64, id: Int64) {
        settle(seq: seq)
        guard seq > cursor, deliveredAboveCount < Self.deliveredAboveCap else { return }
        deliveredAbove[seq, default: []].append(id)
        deliveredAboveCount += 1
        version += 1
    }

    mutating func settle(seq: Int64) {
        guard let n = unsettled[seq] else { return }
        let before = cursor
        defer {
            if cursor != before {
                version += 1
                for s in deliveredAbove.keys where s <= cursor { deliveredAboveCount -= deliveredAbove.removeValue(forKey: s)?.count ?? 0 }
            }
        }
        count -= 1
        if n > 1 {
            unsettled[seq] = n - 1
            return
        }
        unsettled[seq] = nil
        while head < order.count, unsettled[order[head]] == nil { head += 1 }
        if head >= 1024, head * 2 >= order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Every delivery ingest handed over for an event up to this seq is settled.
    var cursor: Int64 { head < order.count ? order[head] - 1 : highest }
}
