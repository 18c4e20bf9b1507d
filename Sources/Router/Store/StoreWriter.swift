import CSQLite
import HTTPServer
import Rules

/// The writer thread's connection and prepared statements: one transaction per batch of jobs.
final class StoreWriter: @unchecked Sendable {
    let db: SQLiteDatabase
    let codec: StoreCodec
    private let insertEvent: SQLiteStatement
    private let insertDelivery: SQLiteStatement
    private let updateDelivery: SQLiteStatement
    private let insertAttempt: SQLiteStatement
    private let begin: SQLiteStatement
    private let commit: SQLiteStatement
    private let purger: Purger

    init(db: SQLiteDatabase, codec: StoreCodec) throws(SQLiteError) {
        self.db = db
        self.codec = codec
        insertEvent = try db.prepare("""
            INSERT INTO events (source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (source, event_id) DO NOTHING
            """)
        insertDelivery = try db.prepare("""
            INSERT INTO deliveries (event_seq, route, target, status, next_attempt_ms, created_ms, updated_ms)
            VALUES (?1, ?2, ?3, 'pending', ?4, ?4, ?4)
            """)
        updateDelivery = try db.prepare("""
            UPDATE deliveries SET status = ?2, attempts = ?3, next_attempt_ms = ?4, updated_ms = ?5, last_status = ?6, last_error = ?7
            WHERE id = ?1
            """)
        insertAttempt = try db.prepare("""
            INSERT OR REPLACE INTO attempts (delivery_id, attempt, started_ms, duration_ms, status, response, error)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """)
        begin = try db.prepare("BEGIN IMMEDIATE")
        commit = try db.prepare("COMMIT")
        purger = try Purger(db: db)
    }

    /// Writes the batch in one transaction, then answers its ingest jobs. Returns the deliveries it
    /// created and the delivery ids whose attempts are settled (written, or lost with a failed batch:
    /// either way the store, not the engine's memory, now says what is due).
    func write(_ batch: [SQLiteEventStore.Job]) -> (fresh: [NewDelivery], settled: [Int64]) {
        var jobs: [SQLiteEventStore.Job] = []
        var purges: [(Int64, Int, @Sendable (PurgeResult?) -> Void)] = []
        for job in batch {
            if case .purge(let cutoff, let limit, let done) = job { purges.append((cutoff, limit, done)) } else { jobs.append(job) }
        }
        defer {
            // After the batch's commit (its answers are out), each purge batch in a transaction of its own.
            for (cutoff, limit, done) in purges {
                do {
                    done(try purger.purge(before: cutoff, limit: limit))
                } catch {
                    Log.error("retention purge failed; retrying at the next pass", ["error": error.description])
                    done(nil)
                }
            }
        }
        guard !jobs.isEmpty else { return ([], []) }
        var settled: [Int64] = []
        for job in jobs {
            if case .attempts(let records) = job { for a in records where a.forgetAfterCommit { settled.append(a.deliveryID) } }
        }
        var outcomes: [StoreOutcome] = []
        outcomes.reserveCapacity(jobs.count)
        do {
            try begin.run()
            for job in jobs {
                switch job {
                case .ingest(let event, _): outcomes.append(try insert(event))
                case .attempts(let records): for a in records { try record(a) }
                case .purge: break
                }
            }
            try commit.run()
        } catch {
            try? db.execute("ROLLBACK")
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
        try insertEvent.run()
        guard db.changes == 1 else { return .duplicate }
        let seq = db.lastInsertRowID
        var created: [NewDelivery] = []
        created.reserveCapacity(e.deliveries.count)
        for d in e.deliveries {
            insertDelivery.bind(1, seq)
            insertDelivery.bind(2, d.route)
            insertDelivery.bind(3, d.target)
            insertDelivery.bind(4, e.receivedAt.milliseconds)
            try insertDelivery.run()
            created.append(NewDelivery(id: db.lastInsertRowID, eventSeq: seq, route: d.route, target: d.target, event: e))
        }
        return .stored(seq: seq, deliveries: created)
    }

    private func record(_ a: AttemptRecord) throws(SQLiteError) {
        let now = a.startedAt.milliseconds + a.durationMilliseconds
        updateDelivery.bind(1, a.deliveryID)
        updateDelivery.bind(2, a.newStatus.rawValue)
        updateDelivery.bind(3, a.attempt)
        updateDelivery.bind(4, a.nextAttemptAt?.milliseconds ?? now)
        updateDelivery.bind(5, now)
        if let code = a.statusCode { updateDelivery.bind(6, code) } else { updateDelivery.bindNull(6) }
        updateDelivery.bind(7, a.error)
        try updateDelivery.run()
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
