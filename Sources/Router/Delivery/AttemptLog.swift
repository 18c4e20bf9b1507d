/// Finished attempts on their way to the store, handed to the writer in batches rather than one by one,
/// with the engine's settled cursor (`SettleTracker`) as it stood when the batch was taken.
///
/// One hand-over per attempt woke the store's writer (on the engine's core) for a commit of a few rows
/// with an fsync each; a batch every `lingerMilliseconds` (or of `batchLimit` rows) makes that a
/// commit of hundreds. Nothing is promised by then: until its record commits, a delivery stays
/// pending in the store and a crash only means it is sent again (at-least-once, SPEC §5.3).
/// Engine thread only.
struct AttemptLog {
    static let lingerMilliseconds: Int64 = 10
    static let batchLimit = 256

    private(set) var pending: [AttemptRecord] = []
    /// When the oldest pending record (or cursor move) was added (monotonic milliseconds).
    private var since: Int64 = 0
    /// The cursor last handed over, and the newest one seen.
    private var handedCursor: Int64 = 0
    private var cursor: Int64 = 0

    private var isEmpty: Bool { pending.isEmpty && cursor <= handedCursor }

    init() { pending.reserveCapacity(Self.batchLimit) }

    mutating func add(_ record: AttemptRecord, now: Int64) {
        if isEmpty { since = now }
        pending.append(record)
    }

    /// Notes the settled cursor; a move forward is handed over like a record (first-attempt successes
    /// write nothing else).
    mutating func settled(through seq: Int64, now: Int64) {
        guard seq > cursor else { return }
        if isEmpty { since = now }
        cursor = seq
    }

    /// When the pending records must be handed over at the latest; nil with nothing pending.
    var deadline: Int64? { isEmpty ? nil : since + Self.lingerMilliseconds }

    /// The records to hand over now, and the cursor if it moved: all of them once the batch is full or
    /// the oldest has waited long enough (or `force`), else none.
    mutating func take(now: Int64, force: Bool = false) -> (records: [AttemptRecord], settledThrough: Int64?) {
        guard !isEmpty, force || pending.count >= Self.batchLimit || now >= since + Self.lingerMilliseconds else { return ([], nil) }
        defer {
            pending.removeAll(keepingCapacity: true)
            handedCursor = cursor
        }
        return (pending, cursor > handedCursor ? cursor : nil)
    }
}
