import CSQLite
import HTTPServer
import Rules

/// The writer thread's connection and prepared statements: per batch of jobs, the new events' records
/// appended to the body log and flushed, then one transaction for their rows and the attempts.
final class StoreWriter: @unchecked Sendable {
    let db: SQLiteDatabase
    let codec: StoreCodec
    let log: BodyLog
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
    /// A new event of the batch: its record, where the record is in `batchBytes`, and the event.
    private struct BatchEvent {
        let record: LogRecord
        let at: Int
        let length: Int
        let event: StoredEvent
    }
    /// The batch's new events, in seq order from `firstSeq`, and their records' bytes.
    private var batchEvents: [BatchEvent] = []
    private var batchBytes: [UInt8] = []
    private var firstSeq: Int64 = 0
    /// The last plan encoded: events of one source mostly match the same routes, so the text is reused.
    private var lastPlan: (deliveries: [PlannedDelivery], text: String) = ([], "")
    private let rows: EventRows
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
    /// Room kept for the purge on a disk the store's own events fill.
    private let reserve: DiskReserve
    /// A full or failing disk fails every batch and every purge pass: a line at first, then one per 10 s.
    private var writeFailures = RepeatedFailureLog(intervalMilliseconds: 10_000)
    private var purgeFailures = RepeatedFailureLog(intervalMilliseconds: 10_000)

    /// Opens the writer on `db` and the body log `log`, indexing what the log holds beyond the rows.
    init(db: SQLiteDatabase, log: BodyLog, codec: StoreCodec, reserve: DiskReserve, dedupWindow: @escaping @Sendable () -> Int64) throws {
        self.db = db
        self.log = log
        self.reserve = reserve
        self.codec = codec
        self.dedupWindow = dedupWindow
        rows = try EventRows(db: db)
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
        _ = try LogRecovery.run(db: db, log: log, rows: rows, counters: counters)
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
            let fingerprint = scan.withText(1) { source in scan.withText(2) { DedupIndex.fingerprint(source: source, eventID: $0) } }
            dedup.insert(fingerprint, seq: scan.int64(0), storedAt: scan.int64(3), window: window)
        }
        scan.reset()
        Log.info("dedup keys loaded", ["keys": String(dedup.count), "bytes": String(dedup.bytes),
                                       "milliseconds": String(MonotonicClock.milliseconds() - started)])
    }

    /// True when the store holds this key in the window: a fingerprint hit confirmed by reading the key.
    private func isDuplicate(_ fingerprint: UInt64, source: String, eventID: String) throws(SQLiteError) -> Bool {
        for seq in dedup.candidates(fingerprint) {
            if seq >= firstSeq {
                // Earlier in this batch: not in SQLite yet.
                let b = Int(seq - firstSeq)
                if batchEvents[b].record.eventID == eventID && batchEvents[b].record.source == source { return true }
                continue
            }
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
                    done(try purge(cutoffs, limit: limit))
                    if let all = purgeFailures.succeeded() {
                        Log.info("retention purge succeeds again", ["failed_batches": String(all.failures)])
                    }
                } catch {
                    // Nothing purged: the pass ends, and the next one tries again.
                    if let line = purgeFailures.failed() {
                        Log.error(line.first ? "retention purge failed; retrying at the next pass (repeats are summed up every 10 s)"
                                             : "retention purge still failing", ["error": error.description, "failed_batches": String(line.failures)])
                    }
                    done(PurgeResult())
                }
            }
        }
        refuseEventsWhileReserveReleased(&jobs)
        guard !jobs.isEmpty else { return ([], []) }
        var settled: [Int64] = []
        for job in jobs {
            if case .attempts(let records, _) = job { for a in records where a.forgetAfterCommit { settled.append(a.deliveryID) } }
        }
        var outcomes: [StoreOutcome?] = []
        outcomes.reserveCapacity(jobs.count)
        firstSeq = nextSeq
        batchNow = WallClock.now().milliseconds
        batchWindow = dedupWindow()
        dedup.expire(now: batchNow, window: batchWindow)
        batchEvents.removeAll(keepingCapacity: true)
        batchBytes.removeAll(keepingCapacity: true)
        var logged: LogPosition?
        do {
            // New events first go to the log, flushed before their rows are committed (below).
            for job in jobs { if case .ingest(let event, _) = job { outcomes.append(try prepare(event)) } }
            if !batchBytes.isEmpty { logged = try log.append(batchBytes) }
            try begin.run()
            if tailLost { try Self.materializeTail(db) }
            for job in jobs {
                switch job {
                case .ingest: break
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
            if let logged {
                try rows.insert(count: batchEvents.count) { i in
                    EventRows.Row(record: batchEvents[i].record, position: LogPosition(segment: logged.segment, offset: logged.offset + Int64(batchEvents[i].at)),
                                  length: batchEvents[i].length)
                }
                // By index: a copy of a batch event would retain each of its record's fields.
                for i in batchEvents.indices {
                    counters.count(receivedMilliseconds: batchEvents[i].record.receivedMilliseconds, source: batchEvents[i].record.source,
                                   plan: batchEvents[i].record.plan)
                }
                try rows.indexed(segment: logged.segment, events: batchEvents.count, through: log.end.offset)
            }
            try counters.write()
            // The rows are built while the disk writes the records; they commit only once the records are durable.
            if logged != nil { try log.flush() }
            try commit.run()
            batchKeys.removeAll(keepingCapacity: true)
            tailLost = false
            if let all = writeFailures.succeeded() {
                Log.info("store writes succeed again", ["failed_batches": String(all.failures), "requests_answered_503": String(all.weight)])
            }
        } catch {
            try? db.execute("ROLLBACK")
            counters.discard()
            // The records are cut from the log, so a restart does not index events answered 503, and
            // their seqs are given again. If the cut fails they stay, and so do their seqs: the log's
            // seqs must keep growing for recovery to read on past them.
            var cut = true
            if let logged {
                do { try log.truncate(to: logged) } catch {
                    cut = false
                    Log.error("could not cut a failed batch from the body log", ["error": error.description])
                }
            }
            if jobs.contains(where: { if case .attempts = $0 { return true } else { return false } }) { tailLost = true }
            for k in batchKeys { dedup.remove(k.fingerprint, seq: k.seq) }
            if cut { nextSeq = firstSeq }
            batchKeys.removeAll(keepingCapacity: true)
            let ingests = jobs.reduce(0) { if case .ingest = $1 { return $0 + 1 } else { return $0 } }
            if let line = writeFailures.failed(weight: ingests) {
                Log.error(line.first ? "store write failed; answering 503 to the requests of this batch (repeats are summed up every 10 s)"
                                     : "store writes still failing; answering 503",
                          ["error": String(describing: error), "failed_batches": String(line.failures), "requests": String(line.weight)])
            }
            let storageFault = (error as? SQLiteError)?.isStorageFault ?? (error is BodyLogError)
            let why = storageFault ? "the event store is unavailable" : "the event store failed"
            AnswerBatch.run {
                for job in jobs { if case .ingest(_, let done) = job { done(.unavailable(why)) } }
            }
            return ([], settled)
        }
        var fresh: [NewDelivery] = []
        fresh.reserveCapacity(batchEvents.count)  // most events have one delivery: one allocation, not one per doubling
        var i = 0, n = 0
        // The batch's answers reach the server's loop together, after the last is posted.
        AnswerBatch.run {
            for job in jobs {
                guard case .ingest(_, let done) = job else { continue }
                let outcome: StoreOutcome
                if let o = outcomes[i] {
                    outcome = o
                } else {
                    outcome = stored(seq: batchEvents[n].record.seq, batchEvents[n].event)
                    n += 1
                }
                i += 1
                done(outcome)
                if case .stored(_, let deliveries) = outcome { fresh += deliveries }
            }
        }
        batchEvents.removeAll(keepingCapacity: true)
        return (fresh, settled)
    }

    /// One purge batch; the segments it emptied are removed once that is durable (a power cut must not
    /// bring back rows whose records are gone). On a full disk the reserve is released and the batch
    /// tried again: a purge must write (the WAL) to free anything.
    private func purge(_ cutoffs: PurgeCutoffs, limit: Int) throws(SQLiteError) -> PurgeResult {
        let result: PurgeResult
        do {
            result = try purger.purge(cutoffs, limit: limit, openSegment: log.end.segment)
        } catch where error.isDiskFull && reserve.release() {
            DiskReserve.logReleased("for the retention purge", path: reserve.path)
            result = try purger.purge(cutoffs, limit: limit, openSegment: log.end.segment)
        }
        log.remove(segments: purger.emptied)
        reserve.remakeIfRoom()
        return result
    }

    /// While the reserve is released (a purge met a full disk), new events are answered 503 without a
    /// write: the room it gave is the purge's. Attempts are still written (they are few and small).
    private func refuseEventsWhileReserveReleased(_ jobs: inout [SQLiteEventStore.Job]) {
        guard reserve.state == .released, !reserve.remakeIfRoom() else { return }
        var refused: [@Sendable (StoreOutcome) -> Void] = []
        jobs.removeAll { job in
            guard case .ingest(_, let done) = job else { return false }
            refused.append(done)
            return true
        }
        guard !refused.isEmpty else { return }
        AnswerBatch.run {
            for done in refused { done(.unavailable("the disk is full; new events wait until the store has room again")) }
        }
    }

    /// Checks an event against the window and, when new, gives it a seq and its record in the batch's
    /// log bytes: nil. Otherwise its answer (a duplicate, or refused).
    private func prepare(_ e: StoredEvent) throws(SQLiteError) -> StoreOutcome? {
        let fingerprint = DedupIndex.fingerprint(source: e.source, eventID: e.eventID)
        if try isDuplicate(fingerprint, source: e.source, eventID: e.eventID) { return .duplicate }
        guard e.deliveries.count < Schema.idsPerEvent else {
            Log.error("event refused: it matched more deliveries than one event may have; narrow the routes that send it or their targets",
                      ["source": e.source, "event_id": e.eventID, "deliveries": String(e.deliveries.count), "limit": String(Schema.idsPerEvent - 1)])
            return .unavailable("the event matched more than \(Schema.idsPerEvent - 1) deliveries")
        }
        let seq = nextSeq
        nextSeq += 1
        let record = LogRecord(
            seq: seq, storedMilliseconds: batchNow, timeMilliseconds: e.time.milliseconds, receivedMilliseconds: e.receivedAt.milliseconds,
            sealed: codec.seals, source: e.source, eventID: e.eventID, type: e.type, contentType: e.contentType,
            plan: plan(e.deliveries),
            headers: codec.seal(StoreCodec.encodeHeaders(e.headers), source: e.source, eventID: e.eventID, part: "headers"),
            attributes: codec.seal(StoreCodec.encodeAttributes(e.attributes), source: e.source, eventID: e.eventID, part: "attributes"),
            body: codec.seal(e.body, source: e.source, eventID: e.eventID, part: "body"))
        let at = batchBytes.count
        record.encode(into: &batchBytes)
        batchEvents.append(BatchEvent(record: record, at: at, length: batchBytes.count - at, event: e))
        dedup.insert(fingerprint, seq: seq, storedAt: batchNow, window: batchWindow)
        batchKeys.append((fingerprint, seq))
        return nil
    }

    /// `event_keys.planned` for these deliveries ('' for none).
    private func plan(_ deliveries: [PlannedDelivery]) -> String {
        if deliveries != lastPlan.deliveries { lastPlan = (deliveries, deliveries.isEmpty ? "" : StoreCodec.encodePlan(deliveries)) }
        return lastPlan.text
    }

    /// The answer for a new event once its batch committed: its deliveries, with the event for their first attempt.
    private func stored(seq: Int64, _ event: StoredEvent) -> StoreOutcome {
        var created: [NewDelivery] = []
        created.reserveCapacity(event.deliveries.count)
        for (k, d) in event.deliveries.enumerated() {
            created.append(NewDelivery(id: seq * Schema.idsPerEvent + Int64(k), eventSeq: seq, route: d.route, target: d.target, event: event))
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
