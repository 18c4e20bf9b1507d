/// The engine's side of the store's settled cursor (`delivery_state.settled_seq`): the events whose
/// deliveries came from ingest without rows, and how many of each are not settled yet (queued or in
/// flight, with no record written). A delivery is settled when it succeeded at its first attempt (it
/// never gets a row) or when a record giving it a row has been handed to the store.
/// Engine thread only.
struct SettleTracker {
    /// Seqs with unsettled deliveries, ascending: ingest hands deliveries over in commit order.
    private var order: [Int64] = []
    private var head = 0
    private var unsettled: [Int64: Int] = [:]
    /// The highest seq ingest handed over.
    private(set) var highest: Int64 = 0

    /// Deliveries from ingest not settled yet.
    private(set) var count = 0

    mutating func add(seq: Int64) {
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

    mutating func settle(seq: Int64) {
        guard let n = unsettled[seq] else { return }
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
