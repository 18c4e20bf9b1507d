/// The purge statements, run by the store's writer thread between its batches (`.purge` jobs), each
/// batch in its own short transaction so ingest never waits behind a long delete.
///
/// What goes (`settings.retention`, SPEC §3): an event received before the cutoff whose deliveries
/// are all finished (delivered, dead or orphaned) and none of them changed since the cutoff — so a
/// dead letter stays replayable for a whole retention period after it died — with its deliveries and
/// their attempts; and any attempt row started before the cutoff (a long-pending delivery keeps its
/// state, not its old log). An event's `event_keys` row (its dedup key and plan) goes with it when
/// older than `settings.dedup_window`, or later, once the window lets it go: a key outlives its event
/// when the window is longer than the retention.
///
/// A batch commits as the writer's do (synchronous=NORMAL): a power cut may bring its events back,
/// whole, with their records still in the log. Only dropping the rows of segments it emptied is made
/// durable (`dropEmptied`), since their files are removed next.
final class Purger {
    private let db: SQLiteDatabase
    private let oldEvents: SQLiteStatement
    private let deleteEventAttempts: SQLiteStatement
    private let deleteDeliveries: SQLiteStatement
    private let deleteEvents: SQLiteStatement
    private let deleteOldAttempts: SQLiteStatement
    private let deleteOldKeys: SQLiteStatement
    private let deleteEventKeys: SQLiteStatement
    private let dropPlans: SQLiteStatement
    private let counters: PlanCounters
    private let shrinkSegment: SQLiteStatement
    private let emptySegments: SQLiteStatement
    private let dropEmptySegments: SQLiteStatement
    private let begin: SQLiteStatement
    private let commit: SQLiteStatement
    /// Body log segments the last purge left without events; the writer removes their files once that
    /// is durable.
    private(set) var emptied: [Int64] = []

    init(db: SQLiteDatabase, counters: PlanCounters) throws(SQLiteError) {
        self.db = db
        self.counters = counters
        // Oldest first, with what the batch needs of each: its receipt, source and plan (the counters
        // lose what the event takes with it), its segment, its key's age, and its delivery rows' state
        // (NULL: none; 1: one is pending or changed since the cutoff, so the event stays). An event after
        // the settled cursor may have deliveries without rows that are still pending. Without a LIMIT:
        // the caller steps until the batch is full, skipping the events that stay.
        oldEvents = try db.prepare("""
            SELECT e.seq, e.received_ms, e.source, coalesce(k.planned, ''), e.log_segment, k.stored_ms,
                   (SELECT max(d.status = 'pending' OR d.updated_ms >= ?1) FROM delivery_rows d WHERE d.event_seq = e.seq)
            FROM events e LEFT JOIN event_keys k ON k.seq = e.seq
            WHERE e.received_ms < ?1 AND (e.seq <= (SELECT settled_seq FROM delivery_state) OR coalesce(k.planned, '') = '')
            ORDER BY e.received_ms
            """)
        // A batch's events go in one statement per table, their seqs bound as one JSON array: a statement
        // per event and table cost more than the deletes themselves.
        let batch = "SELECT value FROM json_each(?1)"
        deleteEventAttempts = try db.prepare("DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM delivery_rows WHERE event_seq IN (\(batch)))")
        deleteDeliveries = try db.prepare("DELETE FROM delivery_rows WHERE event_seq IN (\(batch))")
        deleteEvents = try db.prepare("DELETE FROM events WHERE seq IN (\(batch))")
        deleteEventKeys = try db.prepare("DELETE FROM event_keys WHERE seq IN (\(batch))")
        dropPlans = try db.prepare("UPDATE event_keys SET planned = '' WHERE seq IN (\(batch)) AND planned != ''")
        shrinkSegment = try db.prepare("UPDATE log_segments SET events = events - ?2 WHERE segment = ?1")
        emptySegments = try db.prepare("SELECT segment FROM log_segments WHERE events <= 0 AND segment < ?1")
        dropEmptySegments = try db.prepare("DELETE FROM log_segments WHERE events <= 0 AND segment < ?1")
        deleteOldAttempts = try db.prepare("""
            DELETE FROM attempts WHERE (delivery_id, attempt) IN
              (SELECT delivery_id, attempt FROM attempts WHERE started_ms < ?1 LIMIT ?2)
            """)
        // A key outlives its event when the dedup window is longer than the retention: those go once the
        // window lets them, from the front of the table (keys are appended in seq order) up to the
        // oldest event still kept.
        deleteOldKeys = try db.prepare("""
            DELETE FROM event_keys WHERE seq IN (SELECT seq FROM event_keys WHERE stored_ms < ?1
              AND seq < (SELECT coalesce(min(seq), 9223372036854775807) FROM events) ORDER BY seq LIMIT ?2)
            """)
        begin = try db.prepare("BEGIN IMMEDIATE")
        commit = try db.prepare("COMMIT")
    }

    /// The events of one batch, by what else goes with them.
    private struct Batch {
        var seqs: [Int64] = []
        /// Events with delivery rows (failed, replayed or dead deliveries): those rows and attempts go too.
        var withRows: [Int64] = []
        /// Events whose key goes with them, and those whose key the dedup window keeps (its plan goes).
        var keysGo: [Int64] = []
        var keysStay: [Int64] = []
        var perSegment: [Int64: Int] = [:]
    }

    /// Removes at most `limit` events (with their deliveries and attempts), `limit` old attempt rows
    /// and `limit` dedup keys. Segments of the body log before `openSegment` (the one being written)
    /// left without events are listed in `emptied`.
    func purge(_ cutoffs: PurgeCutoffs, limit: Int, openSegment: Int64) throws(SQLiteError) -> PurgeResult {
        var result = PurgeResult()
        emptied = []
        try begin.run()
        do {
            let batch = try select(cutoffs, limit: limit)
            if !batch.seqs.isEmpty {
                if !batch.withRows.isEmpty {
                    let list = StoreCodec.jsonArray(batch.withRows)
                    deleteEventAttempts.bind(1, list)
                    try deleteEventAttempts.run()
                    result.attempts += db.changes
                    deleteDeliveries.bind(1, list)
                    try deleteDeliveries.run()
                }
                deleteEvents.bind(1, StoreCodec.jsonArray(batch.seqs))
                try deleteEvents.run()
                // Their keys and plans go with them, unless the dedup window still wants a key: then
                // its plan goes, so no count or listing sees the deliveries of a purged event.
                if !batch.keysGo.isEmpty {
                    deleteEventKeys.bind(1, StoreCodec.jsonArray(batch.keysGo))
                    try deleteEventKeys.run()
                    result.keys += db.changes
                }
                if !batch.keysStay.isEmpty {
                    dropPlans.bind(1, StoreCodec.jsonArray(batch.keysStay))
                    try dropPlans.run()
                }
            }
            result.events = batch.seqs.count
            for (segment, n) in batch.perSegment {
                shrinkSegment.bind(1, segment)
                shrinkSegment.bind(2, n)
                try shrinkSegment.run()
            }
            deleteOldAttempts.bind(1, cutoffs.events)
            deleteOldAttempts.bind(2, limit)
            try deleteOldAttempts.run()
            let old = db.changes
            result.attempts += old
            deleteOldKeys.bind(1, cutoffs.keys)
            deleteOldKeys.bind(2, limit)
            try deleteOldKeys.run()
            let oldKeys = db.changes
            result.keys += oldKeys
            try counters.write()
            try commit.run()
            result.more = batch.seqs.count == limit || old == limit || oldKeys == limit
        } catch {
            try? db.execute("ROLLBACK")
            counters.discard()
            throw error
        }
        try dropEmptied(openSegment: openSegment)
        return result
    }

    /// Up to `limit` events that may go, oldest first, counted off the counters.
    private func select(_ cutoffs: PurgeCutoffs, limit: Int) throws(SQLiteError) -> Batch {
        var batch = Batch()
        defer { oldEvents.reset() }
        oldEvents.bind(1, cutoffs.events)
        while batch.seqs.count < limit, try oldEvents.step() {
            if !oldEvents.isNull(6), oldEvents.int64(6) == 1 { continue }  // a delivery still pending or changed since the cutoff
            let seq = oldEvents.int64(0)
            batch.seqs.append(seq)
            if !oldEvents.isNull(6) { batch.withRows.append(seq) }
            if oldEvents.isNull(5) || oldEvents.int64(5) < cutoffs.keys { batch.keysGo.append(seq) } else { batch.keysStay.append(seq) }
            if !oldEvents.isNull(4) { batch.perSegment[oldEvents.int64(4), default: 0] += 1 }
            counters.count(receivedMilliseconds: oldEvents.int64(1), source: oldEvents.string(2), plan: oldEvents.string(3), sign: -1)
        }
        return batch
    }

    /// Drops the rows of segments below `openSegment` that no event is left in, in a transaction
    /// synced to disk (which makes the batches before it durable too), and lists them in `emptied`
    /// for the writer to remove. A drop that fails leaves them for the next batch to find.
    private func dropEmptied(openSegment: Int64) throws(SQLiteError) {
        emptySegments.bind(1, openSegment)
        defer { emptySegments.reset() }
        var found: [Int64] = []
        while try emptySegments.step() { found.append(emptySegments.int64(0)) }
        guard !found.isEmpty else { return }
        try db.execute("PRAGMA synchronous = FULL")
        defer { try? db.execute("PRAGMA synchronous = NORMAL") }
        try begin.run()
        do {
            dropEmptySegments.bind(1, openSegment)
            try dropEmptySegments.run()
            try commit.run()
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
        emptied = found
    }
}
