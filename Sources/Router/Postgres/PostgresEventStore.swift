import Adapters
import HTTPServer
import Rules
import Synchronization

/// The PostgreSQL store (`settings.store: postgres://…`): several routers on one database. One writer
/// thread per router commits what is queued in batches; a completion runs only after its batch's
/// COMMIT returned (PostgreSQL's `synchronous_commit` makes that durable), so no answer gets ahead of
/// the database. Dedup is the database's: `(source, event_id)` is unique whichever router stored it.
/// A new delivery is leased to the router that stored it (it delivers it at once); another router
/// takes a delivery over only once the lease has expired (its holder died).
///
/// When the database is down, every submission is answered `.unavailable` (503, providers retry)
/// and the writer reconnects with backoff.
final class PostgresEventStore: EventStore, @unchecked Sendable {
    enum Job {
        case ingest(StoredEvent, @Sendable (StoreOutcome) -> Void)
        case attempts([AttemptRecord])
    }

    /// Jobs per transaction at most.
    static let maxBatch = 256
    /// How long a router holds a delivery it took before another may take it over.
    static let leaseMilliseconds: Int64 = 60_000

    let url: String
    /// This router's name in leases (`host:pid:random`).
    let owner: String
    private let queue = BlockingQueue<Job>()
    private var thread: OSThread?

    /// Connects and migrates, or throws the sentence saying what to fix (a router does not start on
    /// a database it cannot reach; once running, an outage is a 503 and a reconnect).
    /// `onCommit` gets each batch's new deliveries and the ids of attempts recorded for deliveries the
    /// engine may forget, after their commit (as the SQLite store's).
    init(url: String, codec: StoreCodec, owner: String, onCommit: (@Sendable (_ fresh: [NewDelivery], _ settled: [Int64]) -> Void)? = nil) throws(PGError) {
        self.url = url
        self.owner = owner
        let db = try PGConnection(url: url)
        try PGSchema.migrate(db)
        let box = UncheckedBox(PGWriter(url: url, db: db, codec: codec, owner: owner))  // the writer thread's from here on
        let queue = self.queue
        thread = OSThread(name: "pg-writer") {
            let writer = box.value
            while let batch = queue.popBatch(max: Self.maxBatch) {
                let (fresh, settled) = writer.write(batch)
                if let onCommit, !fresh.isEmpty || !settled.isEmpty { onCommit(fresh, settled) }
            }
        }
    }

    func submit(_ event: StoredEvent, completion: @escaping @Sendable (StoreOutcome) -> Void) {
        if !queue.push(.ingest(event, completion)) { completion(.unavailable("the store is shutting down")) }
    }

    func record(_ attempts: [AttemptRecord], settled: SettledState?) {
        guard !attempts.isEmpty else { return }  // every delivery has a row here: there is no settled cursor
        queue.push(.attempts(attempts))
    }

    func close() {
        queue.close()
        thread?.join()
        thread = nil
    }
}

/// The writer thread's side: one connection, reopened after a failure (at most every `retry` ms).
final class PGWriter {
    let url: String
    private var db: PGConnection?
    private let codec: StoreCodec
    private let owner: String
    private var lastConnectAttempt: Int64 = 0
    private static let retryMilliseconds: Int64 = 1_000

    init(url: String, db: PGConnection, codec: StoreCodec, owner: String) {
        self.url = url
        self.db = db
        self.codec = codec
        self.owner = owner
    }

    /// Writes a batch in one transaction; answers every submission after COMMIT, or all of them
    /// `.unavailable` when it failed. Returns the deliveries made and the attempts settled (for the engine).
    func write(_ batch: [PostgresEventStore.Job]) -> (fresh: [NewDelivery], settled: [Int64]) {
        var outcomes: [(StoreOutcome, @Sendable (StoreOutcome) -> Void)] = []
        var fresh: [NewDelivery] = []
        var settled: [Int64] = []
        do throws(PGError) {
            let db = try connection()
            try db.execute("BEGIN")
            for job in batch {
                switch job {
                case .ingest(let event, let completion):
                    let outcome = try insert(event, db: db)
                    if case .stored(_, let made) = outcome { fresh += made }
                    outcomes.append((outcome, completion))
                case .attempts(let records):
                    for r in records {
                        try recordAttempt(r, db: db)
                        if r.forgetAfterCommit { settled.append(r.deliveryID) }
                    }
                }
            }
            if !fresh.isEmpty { try db.execute("NOTIFY hookrouter_work") }
            try db.execute("COMMIT")
        } catch {
            try? db?.execute("ROLLBACK")
            if case .connectionLost = error { db = nil } else if case .connect = error { db = nil }
            Log.error("cannot write to the PostgreSQL store; answering 503 until it can", ["store": PGConnection.redacted(url), "error": error.description])
            let why = "the store cannot write (\(error.description)); retry shortly"
            for job in batch { if case .ingest(_, let completion) = job { completion(.unavailable(why)) } }
            // Attempts not written: their deliveries stay leased to this router and pending; once the
            // lease ends any router tries them again (at most one attempt more, never one lost).
            let dropped = batch.flatMap { job -> [Int64] in if case .attempts(let r) = job { return r.filter(\.forgetAfterCommit).map(\.deliveryID) }; return [] }
            return ([], dropped)
        }
        for (outcome, completion) in outcomes { completion(outcome) }
        return (fresh, settled)
    }

    private func connection() throws(PGError) -> PGConnection {
        if let db, db.isOK { return db }
        db = nil
        let now = MonotonicClock.milliseconds()
        guard now - lastConnectAttempt >= Self.retryMilliseconds else { throw .connectionLost("the PostgreSQL store is unreachable; reconnecting") }
        lastConnectAttempt = now
        let fresh = try PGConnection(url: url)
        db = fresh
        Log.info("connected to the PostgreSQL store", ["store": fresh.target])
        return fresh
    }

    /// The event, or `.duplicate` when its (source, event_id) is stored already (by any router).
    private func insert(_ e: StoredEvent, db: PGConnection) throws(PGError) -> StoreOutcome {
        func sealed(_ bytes: [UInt8], _ part: String) -> String {
            PGBytea.encode(codec.seal(bytes, source: e.source, eventID: e.eventID, part: part))
        }
        let rows = try db.query("""
            INSERT INTO events (source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed)
            VALUES ($1, $2, $3, $4, $5, $6, $7::bytea, $8::bytea, $9::bytea, $10)
            ON CONFLICT (source, event_id) DO NOTHING RETURNING seq
            """, [e.source, e.eventID, e.type, String(e.time.milliseconds), String(e.receivedAt.milliseconds), e.contentType,
                  sealed(StoreCodec.encodeHeaders(e.headers), "headers"), sealed(StoreCodec.encodeAttributes(e.attributes), "attributes"),
                  sealed(e.body, "body"), codec.seals ? "true" : "false"])
        guard let seqText = rows.first?.first ?? nil, let seq = Int64(seqText) else { return .duplicate }
        var made: [NewDelivery] = []
        let now = WallClock.now().milliseconds
        for p in e.deliveries {
            let r = try db.query("""
                INSERT INTO deliveries (event_seq, route, target, status, next_attempt_ms, created_ms, updated_ms, lease_owner, lease_until_ms)
                VALUES ($1, $2, $3, 'pending', $4, $4, $4, $5, $6) RETURNING id
                """, [String(seq), p.route, p.target, String(now), owner, String(now + PostgresEventStore.leaseMilliseconds)])
            guard let idText = r.first?.first ?? nil, let id = Int64(idText) else { continue }
            made.append(NewDelivery(id: id, eventSeq: seq, route: p.route, target: p.target, event: e))
        }
        return .stored(seq: seq, deliveries: made)
    }

    private func recordAttempt(_ r: AttemptRecord, db: PGConnection) throws(PGError) {
        let now = WallClock.now().milliseconds
        try db.query("""
            UPDATE deliveries SET status = $2, attempts = GREATEST(attempts, $3), next_attempt_ms = COALESCE($4, next_attempt_ms),
                   updated_ms = $5, last_status = $6, last_error = $7,
                   lease_owner = CASE WHEN $8 THEN NULL ELSE lease_owner END,
                   lease_until_ms = CASE WHEN $8 THEN NULL ELSE lease_until_ms END
            WHERE id = $1
            """, [String(r.deliveryID), r.newStatus.rawValue, String(r.attempt), r.nextAttemptAt.map { String($0.milliseconds) }, String(now),
                  r.statusCode.map(String.init), r.error,
                  // Released when the engine forgets it (done, or retried later by whichever router is free).
                  r.forgetAfterCommit || r.newStatus != .pending ? "true" : "false"])
        guard r.logged else { return }
        try db.query("""
            INSERT INTO attempts (delivery_id, attempt, started_ms, duration_ms, status, response, error)
            VALUES ($1, $2, $3, $4, $5, $6::bytea, $7) ON CONFLICT DO NOTHING
            """, [String(r.deliveryID), String(r.attempt), String(r.startedAt.milliseconds), String(r.durationMilliseconds),
                  r.statusCode.map(String.init), PGBytea.encode(r.response), r.error])
    }
}
