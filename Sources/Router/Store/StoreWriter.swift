import CSQLite
import HTTPServer
import Rules

/// The writer thread's connection and prepared statements: one transaction per batch of jobs.
final class StoreWriter: @unchecked Sendable {
    let db: SQLiteDatabase
    let codec: StoreCodec
    /// How long an id is recognised (`settings.dedup_window`), read live so a reload changes it.
    let dedupWindow: @Sendable () -> Int64
    private var dedup = DedupIndex()
    /// Keys added by the batch being written, taken out again if it does not commit.
    private var batchKeys: [(fingerprint: UInt64, seq: Int64)] = []
    /// The next event's seq. Assigned here, not by SQLite (max rowid + 1): a key can outlive its event
    /// (a dedup window longer than the retention), and a seq, like the delivery ids made from it, is
    /// never given twice.
    private var nextSeq: Int64 = 1
    /// The clock and the window for the batch being written, read once per batch.
    private var batchNow: Int64 = 0
    private var batchWindow: Int64 = 0
    private let insertEvent: SQLiteStatement
    private let insertKey: SQLiteStatement
    private let readKey: SQLiteStatement
    private let upsertDelivery: SQLiteStatement
    private let advanceSettled: SQLiteStatement
    /// A batch did not commit: the engine forgot attempts that were not written, so the next batch
    /// first gives the unsettled deliveries rows (`materializeTail`) for the due scan to find.
    private var tailLost = false
    private let insertAttempt: SQLiteStatement
    private let begin: SQLiteStatement
    private let commit: SQLiteStatement
    private let purger: Purger
    private let counters: PlanCounters

    init(db: SQLiteDatabase, codec: StoreCodec, dedupWindow: @escaping @Sendable () -> Int64) throws(SQLiteError) {
        self.db = db
        self.codec = codec
        self.dedupWindow = dedupWindow
        insertEvent = try db.prepare("""
            INSERT INTO events (source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed, seq)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            """)
        insertKey = try db.prepare("INSERT INTO event_keys (seq, source, event_id, stored_ms, planned) VALUES (?1, ?2, ?3, ?4, ?5)")
        readKey = try db.prepare("SELECT source, event_id FROM event_keys WHERE seq = ?1")
        // The first record of a delivery that had no row creates it; later ones update it.
        upsertDelivery = try db.prepare("""
            INSERT INTO delivery_rows (id, event_seq, route, target, status, attempts, next_attempt_ms, created_ms, updated_ms, last_status, last_error)
            VALUES (?1, ?8, ?9, ?10, ?2, ?3, ?4, ?11, ?5, ?6, ?7)
            ON CONFLICT (id) DO UPDATE SET status = ?2, attempts = ?3, next_attempt_ms = ?4, updated_ms = ?5, last_status = ?6, last_error = ?7
            """)
        advanceSettled = try db.prepare("UPDATE delivery_state SET settled_seq = max(settled_seq, ?1), delivered_above = ?2")
        insertAttempt = try db.prepare("""
            INSERT OR REPLACE INTO attempts (delivery_id, attempt, started_ms, duration_ms, status, response, error)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """)
        begin = try db.prepare("BEGIN IMMEDIATE")
        commit = try db.prepare("COMMIT")
        counters = try PlanCounters(db: db)
        purger = try Purger(db: db, counters: counters)
        try db.execute("BEGIN IMMEDIATE")
        do {
            try Self.materializeTail(db)
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
        nextSeq = try db.scalar("SELECT max(coalesce((SELECT max(seq) FROM events), 0), coalesce((SELECT max(seq) FROM event_keys), 0))") + 1
        try loadDedupKeys()
    }

    /// Gives every delivery after `settled_seq` that has no row (and is not among `delivered_above`) a
    /// pending row, due when its event came, and moves `settled_seq` to the last event. At start these
    /// are the deliveries a stop or a crash left unsent (or sent, but not yet recorded: at-least-once);
    /// the engine's due scan then finds them.
    static func materializeTail(_ db: SQLiteDatabase) throws(SQLiteError) {
        try db.execute("""
            INSERT INTO delivery_rows (id, event_seq, route, target, status, attempts, next_attempt_ms, created_ms, updated_ms)
            SELECT k.seq * \(Schema.idsPerEvent) + j.key, k.seq, j.value ->> 0, j.value ->> 1, 'pending', 0, e.received_ms, e.received_ms, e.received_ms
            FROM event_keys k JOIN json_each(k.planned) j JOIN events e ON e.seq = k.seq
            WHERE k.seq > (SELECT settled_seq FROM delivery_state) AND k.planned != ''
              AND k.seq * \(Schema.idsPerEvent) + j.key NOT IN (SELECT value FROM json_each((SELECT delivered_above FROM delivery_state)))
            ON CONFLICT (id) DO NOTHING;
            UPDATE delivery_state SET settled_seq = max(settled_seq, (SELECT coalesce(max(seq), 0) FROM event_keys)), delivered_above = '[]';
            """)
    }

    /// Rebuilds the fingerprints of the window from `event_keys` (one scan of a narrow table).
    private func loadDedupKeys() throws(SQLiteError) {
        let started = MonotonicClock.milliseconds()
        let now = WallClock.now().milliseconds, window = dedupWindow()
        let scan = try db.prepare("SELECT seq, source, event_id, stored_ms FROM event_keys WHERE stored_ms >= ?1 ORDER BY seq")
        scan.bind(1, now - window)
        while try scan.step() {
            let fingerprint = DedupIndex.fingerprint(source: scan.string(1), eventID: scan.string(2))
            dedup.insert(fingerprint, seq: scan.int64(0), storedAt: scan.int64(3), window: window)
        }
        scan.reset()
        Log.info("dedup keys loaded", ["keys": String(dedup.count), "bytes": String(dedup.bytes),
                                       "milliseconds": String(MonotonicClock.milliseconds() - started)])
    }

    /// True when the store holds this key in the window: a fingerprint hit confirmed by reading the key.
    private func isDuplicate(_ fingerprint: UInt64, source: String, eventID: String) throws(SQLiteError) -> Bool {
        for seq in dedup.candidates(fingerprint) {
            defer { readKey.reset() }
            readKey.bind(1, seq)
            if try readKey.step(), readKey.string(1) == eventID, readKey.string(0) == source { return true }
        }
        return false
    }

    /// Writes the batch in one transaction, then answers its ingest jobs. Returns the deliveries it
    /// created and the delivery ids whose attempts are settled (written, or lost with a failed batch:
    /// either way the store, not the engine's memory, now says what is due).
    func write(_ batch: [SQLiteEventStore.Job]) -> (fresh: [NewDelivery], settled: [Int64]) {
        var jobs: [SQLiteEventStore.Job] = []
        var purges: [(PurgeCutoffs, Int, @Sendable (PurgeResult?) -> Void)] = []
        for job in batch {
            if case .purge(let cutoffs, let limit, let done) = job { purges.append((cutoffs, limit, done)) } else { jobs.append(job) }
        }
        defer {
            // After the batch's commit (its answers are out), each purge batch in a transaction of its own.
            for (cutoffs, limit, done) in purges {
                do {
                    done(try purger.purge(cutoffs, limit: limit))
                } catch {
                    Log.error("retention purge failed; retrying at the next pass", ["error": error.description])
                    done(nil)
                }
            }
        }
        guard !jobs.isEmpty else { return ([], []) }
        var settled: [Int64] = []
        for job in jobs {
            if case .attempts(let records, _) = job { for a in records where a.forgetAfterCommit { settled.append(a.deliveryID) } }
        }
        var outcomes: [StoreOutcome] = []
        outcomes.reserveCapacity(jobs.count)
        let firstSeq = nextSeq
        batchNow = WallClock.now().milliseconds
        batchWindow = dedupWindow()
        dedup.expire(now: batchNow, window: batchWindow)
        do {
            try begin.run()
            if tailLost { try Self.materializeTail(db) }
            for job in jobs {
                switch job {
                case .ingest(let event, _): outcomes.append(try insert(event))
                case .attempts(let records, let settled):
                    for a in records { try record(a) }
                    if let settled {
                        advanceSettled.bind(1, settled.through)
                        advanceSettled.bind(2, StoreCodec.jsonArray(settled.deliveredAbove))
                        try advanceSettled.run()
                    }
                case .purge: break
                }
            }
            try counters.write()
            try commit.run()
            batchKeys.removeAll(keepingCapacity: true)
            tailLost = false
        } catch {
            try? db.execute("ROLLBACK")
            counters.discard()
            if jobs.contains(where: { if case .attempts = $0 { return true } else { return false } }) { tailLost = true }
            for k in batchKeys { dedup.remove(k.fingerprint, seq: k.seq) }
            nextSeq = firstSeq
            batchKeys.removeAll(keepingCapacity: true)
            let ingests = jobs.reduce(0) { if case .ingest = $1 { return $0 + 1 } else { return $0 } }
            Log.error("store write failed; answering 503 to the requests of this batch", ["error": error.description, "requests": String(ingests)])
            let why = error.isStorageFault ? "the event store is unavailable" : "the event store failed"
            AnswerBatch.run {
                for job in jobs { if case .ingest(_, let done) = job { done(.unavailable(why)) } }
            }
            return ([], settled)
        }
        var fresh: [NewDelivery] = []
        var i = 0
        // The batch's answers reach the server's loop together, after the last is posted.
        AnswerBatch.run {
            for job in jobs {
                guard case .ingest(_, let done) = job else { continue }
                let outcome = outcomes[i]
                i += 1
                done(outcome)
                if case .stored(_, let deliveries) = outcome { fresh += deliveries }
            }
        }
        return (fresh, settled)
    }

    private func insert(_ e: StoredEvent) throws(SQLiteError) -> StoreOutcome {
        let fingerprint = DedupIndex.fingerprint(source: e.source, eventID: e.eventID)
        if try isDuplicate(fingerprint, source: e.source, eventID: e.eventID) { return .duplicate }
        guard e.deliveries.count < Schema.idsPerEvent else {
            Log.error("event refused: it matched more deliveries than one event may have; narrow the routes that send it or their targets",
                      ["source": e.source, "event_id": e.eventID, "deliveries": String(e.deliveries.count), "limit": String(Schema.idsPerEvent - 1)])
            return .unavailable("the event matched more than \(Schema.idsPerEvent - 1) deliveries")
        }
        insertEvent.bind(1, e.source)
        insertEvent.bind(2, e.eventID)
        insertEvent.bind(3, e.type)
        insertEvent.bind(4, e.time.milliseconds)
        insertEvent.bind(5, e.receivedAt.milliseconds)
        insertEvent.bind(6, e.contentType)
        insertEvent.bind(7, blob: codec.seal(StoreCodec.encodeHeaders(e.headers), source: e.source, eventID: e.eventID, part: "headers"))
        insertEvent.bind(8, blob: codec.seal(StoreCodec.encodeAttributes(e.attributes), source: e.source, eventID: e.eventID, part: "attributes"))
        insertEvent.bind(9, blob: codec.seal(e.body, source: e.source, eventID: e.eventID, part: "body"))
        insertEvent.bind(10, codec.seals ? 1 : 0)
        let seq = nextSeq
        insertEvent.bind(11, seq)
        try insertEvent.run()
        nextSeq += 1
        insertKey.bind(1, seq)
        insertKey.bind(2, e.source)
        insertKey.bind(3, e.eventID)
        insertKey.bind(4, batchNow)
        insertKey.bind(5, e.deliveries.isEmpty ? "" : StoreCodec.encodePlan(e.deliveries))
        try insertKey.run()
        dedup.insert(fingerprint, seq: seq, storedAt: batchNow, window: batchWindow)
        batchKeys.append((fingerprint, seq))
        counters.count(receivedMilliseconds: e.receivedAt.milliseconds, source: e.source, targets: e.deliveries.lazy.map(\.target))
        var created: [NewDelivery] = []
        created.reserveCapacity(e.deliveries.count)
        for (k, d) in e.deliveries.enumerated() {
            created.append(NewDelivery(id: seq * Schema.idsPerEvent + Int64(k), eventSeq: seq, route: d.route, target: d.target, event: e))
        }
        return .stored(seq: seq, deliveries: created)
    }

    private func record(_ a: AttemptRecord) throws(SQLiteError) {
        let now = a.startedAt.milliseconds + a.durationMilliseconds
        upsertDelivery.bind(1, a.deliveryID)
        upsertDelivery.bind(2, a.newStatus.rawValue)
        upsertDelivery.bind(3, a.attempt)
        upsertDelivery.bind(4, a.nextAttemptAt?.milliseconds ?? now)
        upsertDelivery.bind(5, now)
        if let code = a.statusCode { upsertDelivery.bind(6, code) } else { upsertDelivery.bindNull(6) }
        upsertDelivery.bind(7, a.error)
        upsertDelivery.bind(8, a.eventSeq)
        upsertDelivery.bind(9, a.route)
        upsertDelivery.bind(10, a.target)
        upsertDelivery.bind(11, a.createdMilliseconds)
        try upsertDelivery.run()
        guard a.logged else { return }
        insertAttempt.bind(1, a.deliveryID)
        insertAttempt.bind(2, a.attempt)
        insertAttempt.bind(3, a.startedAt.milliseconds)
        insertAttempt.bind(4, a.durationMilliseconds)
        if let code = a.statusCode { insertAttempt.bind(5, code) } else { insertAttempt.bindNull(5) }
        insertAttempt.bind(6, blob: a.response)
        insertAttempt.bind(7, a.error)
        try insertAttempt.run()
    }
}
