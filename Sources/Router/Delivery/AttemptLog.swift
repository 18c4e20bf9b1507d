/// Finished attempts on their way to the store, handed to the writer in batches rather than one by one,
/// with word that the engine's settled state (`SettleTracker`) changed since the last batch.
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
    /// When the oldest pending record (or settled change) was added (monotonic milliseconds).
    private var since: Int64 = 0
    /// The settled state's version last handed over, and the newest one seen.
    private var handedVersion = 0
    private var version = 0

    private var isEmpty: Bool { pending.isEmpty && version == handedVersion }

    init() { pending.reserveCapacity(Self.batchLimit) }

    mutating func add(_ record: AttemptRecord, now: Int64) {
        if isEmpty { since = now }
        pending.append(record)
    }

    /// Notes the settled state's version; a change is handed over like a record (first-attempt
    /// successes write nothing else).
    mutating func settled(version v: Int, now: Int64) {
        guard v != version else { return }
        if isEmpty { since = now }
        version = v
    }

    /// When the pending records must be handed over at the latest; nil with nothing pending.
    var deadline: Int64? { isEmpty ? nil : since + Self.lingerMilliseconds }

    /// The records to hand over now, and whether the settled state changed: all of them once the
    /// batch is full or the oldest has waited long enough (or `force`), else none.
    mutating func take(now: Int64, force: Bool = false) -> (records: [AttemptRecord], settledChanged: Bool) {
        guard !isEmpty, force || pending.count >= Self.batchLimit || now >= since + Self.lingerMilliseconds else { return ([], false) }
        defer {
            pending.removeAll(keepingCapacity: true)
            handedVersion = version
        }
        return (pending, version != handedVersion)
    }
}
