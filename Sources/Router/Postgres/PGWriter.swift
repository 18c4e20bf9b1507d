import HTTPServer
import Rules

/// The PostgreSQL writer thread's side: one connection, reopened after a failure (at most every
/// `retryMilliseconds`). A batch is one transaction of at most four statements whatever its size —
/// the events, their deliveries, the attempts' rows and their deliveries' new state — each a
/// multi-row statement over `unnest` arrays, so a batch costs a handful of round trips, not one per row.
final class PGWriter {
    let url: String
    private var db: PGConnection?
    /// False until a connection has brought the schema up to date (a router started while the server was down).
    private var migrated: Bool
    private let codec: StoreCodec
    private let owner: String
    private let leases: PGLeaseBook
    private let dedupWindow: @Sendable () -> Int64
    private var lastConnectAttempt: Int64 = 0
    private static let retryMilliseconds: Int64 = 1_000

    /// `db` is nil when the server did not answer at start: the first connection migrates.
    init(url: String, db: PGConnection?, codec: StoreCodec, owner: String, leases: PGLeaseBook, dedupWindow: @escaping @Sendable () -> Int64) {
        self.url = url
        self.leases = leases
        self.db = db
        migrated = db != nil
        self.codec = codec
        self.owner = owner
        self.dedupWindow = dedupWindow
    }

    /// Writes a batch in one transaction; answers every submission after COMMIT, or all of them
    /// `.unavailable` when it failed. Returns the deliveries made and the attempts settled (for the engine).
    func write(_ batch: [PostgresEventStore.Job]) -> (fresh: [NewDelivery], settled: [Int64]) {
        var events: [(StoredEvent, @Sendable (StoreOutcome) -> Void)] = []
        var records: [AttemptRecord] = []
        for job in batch {
            switch job {
            case .ingest(let e, let completion): events.append((e, completion))
            case .attempts(let r): records += r
            }
        }
        var outcomes: [StoreOutcome] = []
        var fresh: [NewDelivery] = []
        let leasedUntil = WallClock.now().milliseconds + PostgresEventStore.leaseMilliseconds
        do throws(PGError) {
            let db = try connection()
            try db.execute("BEGIN")
            var counters = PGCounters()
            outcomes = try insert(events.map(\.0), leasedUntil: leasedUntil, counters: &counters, db: db)
            for case .stored(_, let made) in outcomes { fresh += made }
            try record(records, counters: &counters, db: db)
            try counters.write(to: db, router: owner)
            // No NOTIFY: new deliveries are leased to this router, whose engine has them already;
            // announcing them made every other router rescan per batch, for nothing it could take.
            try db.execute("COMMIT")
        } catch {
            try? db?.execute("ROLLBACK")
            switch error {
            case .connectionLost, .connect, .unreachable: db = nil
            default: break
            }
            Log.error("cannot write to the PostgreSQL store; answering 503 until it can", ["store": PGConnection.redacted(url), "error": error.description])
            let why = "the store cannot write (\(error.description)); retry shortly"
            for (_, completion) in events { completion(.unavailable(why)) }
            // Attempts not written: their deliveries stay leased to this router and pending; once the
            // lease ends any router tries them again (at most one attempt more, never one lost).
            return ([], records.filter(\.forgetAfterCommit).map(\.deliveryID))
        }
        leases.grant(fresh.map(\.id), until: leasedUntil)
        for (i, (_, completion)) in events.enumerated() { completion(outcomes[i]) }
        return (fresh, records.filter(\.forgetAfterCommit).map(\.deliveryID))
    }

    private func connection() throws(PGError) -> PGConnection {
        if let db, db.isOK { return db }
        db = nil
        let now = MonotonicClock.milliseconds()
        guard now - lastConnectAttempt >= Self.retryMilliseconds else { throw .connectionLost("the PostgreSQL store is unreachable; reconnecting") }
        lastConnectAttempt = now
        let fresh = try PGConnection(url: url)
        if !migrated {
            try PGSchema.migrate(fresh)
            migrated = true
        }
        db = fresh
        Log.info("connected to the PostgreSQL store", ["store": fresh.target])
        return fresh
    }

    // MARK: - Events and their deliveries

    /// Each event's outcome, in order: `.stored` with its deliveries, or `.duplicate` when its
    /// (source, event_id) is stored already (by any router, or earlier in this batch) or is a purged
    /// event's key the dedup window still holds.
    private func insert(_ events: [StoredEvent], leasedUntil: Int64, counters: inout PGCounters, db: PGConnection) throws(PGError) -> [StoreOutcome] {
        guard !events.isEmpty else { return [] }
        var c = Columns(count: events.count)
        for (i, e) in events.enumerated() {
            func sealed(_ bytes: [UInt8], _ part: String) -> [UInt8] { codec.seal(bytes, source: e.source, eventID: e.eventID, part: part) }
            c.text(0, e.source); c.text(1, e.eventID); c.text(2, e.type)
            c.int(3, e.time.milliseconds); c.int(4, e.receivedAt.milliseconds); c.text(5, e.contentType)
            c.bytes(6, sealed(StoreCodec.encodeHeaders(e.headers), "headers"))
            c.bytes(7, sealed(StoreCodec.encodeAttributes(e.attributes), "attributes"))
            c.bytes(8, sealed(e.body, "body"))
            c.int(9, Int64(i))
        }
        let dedupCutoff = WallClock.now().milliseconds - dedupWindow()
        // The first of equal keys in the batch wins (DISTINCT ON, by position); seqs follow the batch's order.
        let rows = try db.query("""
            INSERT INTO events (source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed)
            SELECT source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, $12 FROM (
                SELECT DISTINCT ON (source, event_id) * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[],
                                                                   $7::bytea[], $8::bytea[], $9::bytea[], $10::int[])
                    AS t(source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, ord)
                ORDER BY source, event_id, ord) i
            WHERE NOT EXISTS (SELECT 1 FROM purged_keys k WHERE k.source = i.source AND k.event_id = i.event_id AND k.stored_ms >= $11)
            ORDER BY ord
            ON CONFLICT (source, event_id) DO NOTHING RETURNING seq, source, event_id
            """, c.parameters + [String(dedupCutoff), codec.seals ? "true" : "false"])
        struct Key: Hashable { let source: String, id: String }
        var seqs: [Key: Int64] = [:]
        for r in rows { seqs[Key(source: r[1] ?? "", id: r[2] ?? "")] = Int64(r[0] ?? "") }
        // Which event of the batch each seq belongs to: the first with its key.
        var owners: [(event: Int, seq: Int64)] = []
        var taken = Set<Key>()
        for (i, e) in events.enumerated() {
            let key = Key(source: e.source, id: e.eventID)
            if let seq = seqs[key], taken.insert(key).inserted { owners.append((i, seq)) }
        }
        let made = try insertDeliveries(owners.map { (events[$0.event], $0.seq) }, leasedUntil: leasedUntil, db: db)
        var outcomes = [StoreOutcome](repeating: .duplicate, count: events.count)
        for (i, seq) in owners {
            let e = events[i], deliveries = made[seq] ?? []
            outcomes[i] = .stored(seq: seq, deliveries: deliveries)
            counters.event(receivedMilliseconds: e.receivedAt.milliseconds, source: e.source)
            for d in deliveries {
                counters.delivery(receivedMilliseconds: e.receivedAt.milliseconds, source: e.source, target: d.target, status: DeliveryStatus.pending.rawValue)
            }
        }
        return outcomes
    }

    /// The deliveries of the events stored, pending, due now and leased to this router (it delivers
    /// them at once), by event seq in plan order.
    private func insertDeliveries(_ stored: [(StoredEvent, Int64)], leasedUntil: Int64, db: PGConnection) throws(PGError) -> [Int64: [NewDelivery]] {
        var planned: [(seq: Int64, delivery: PlannedDelivery, event: StoredEvent)] = []
        for (e, seq) in stored { for p in e.deliveries { planned.append((seq, p, e)) } }
        guard !planned.isEmpty else { return [:] }
        var c = Columns(count: planned.count)
        for (i, p) in planned.enumerated() {
            c.int(0, p.seq); c.text(1, p.delivery.route); c.text(2, p.delivery.target); c.int(3, Int64(i))
        }
        let now = WallClock.now().milliseconds
        let rows = try db.query("""
            INSERT INTO deliveries (event_seq, route, target, status, next_attempt_ms, created_ms, updated_ms, lease_owner, lease_until_ms)
            SELECT seq, route, target, 'pending', $5, $5, $5, $6, $7
            FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[]) AS t(seq, route, target, ord) ORDER BY ord
            RETURNING id, event_seq, route, target
            """, c.parameters + [String(now), owner, String(leasedUntil)])
        // A plan holds a (route, target) pair once, so the three name a planned delivery.
        struct Key: Hashable { let seq: Int64, route: String, target: String }
        var ids: [Key: Int64] = [:]
        for r in rows { ids[Key(seq: Int64(r[1] ?? "") ?? 0, route: r[2] ?? "", target: r[3] ?? "")] = Int64(r[0] ?? "") }
        var out: [Int64: [NewDelivery]] = [:]
        for p in planned {
            guard let id = ids[Key(seq: p.seq, route: p.delivery.route, target: p.delivery.target)] else { continue }
            out[p.seq, default: []].append(NewDelivery(id: id, eventSeq: p.seq, route: p.delivery.route, target: p.delivery.target, event: p.event))
        }
        return out
    }

    // MARK: - Attempts

    /// The attempts' log rows, and each delivery's state from its last record in the batch. A delivery
    /// the engine forgets, or that is finished, is released from its lease (whichever router is free
    /// takes its next attempt).
    private func record(_ records: [AttemptRecord], counters: inout PGCounters, db: PGConnection) throws(PGError) {
        guard !records.isEmpty else { return }
        // What each delivery was, locked: the counters move it from there (whatever wrote it last).
        // Locked in id order (as replays lock, and as the engine's statements on ids scan the key) so they do not deadlock.
        var before: [Int64: (status: String, target: String, source: String, received: Int64)] = [:]
        for r in try db.query("""
            SELECT d.id, d.status, d.target, e.source, e.received_ms FROM deliveries d JOIN events e ON e.seq = d.event_seq
            WHERE d.id = ANY($1::bigint[]) ORDER BY d.id FOR UPDATE OF d
            """, [PGArray.ints(Set(records.map(\.deliveryID)))]) {
            before[Int64(r[0] ?? "") ?? 0] = (r[1] ?? "", r[2] ?? "", r[3] ?? "", Int64(r[4] ?? "") ?? 0)
        }
        var last: [Int64: (record: AttemptRecord, attempts: Int)] = [:]
        var order: [Int64] = []
        for r in records {
            if let seen = last[r.deliveryID] {
                last[r.deliveryID] = (r, max(seen.attempts, r.attempt))
            } else {
                last[r.deliveryID] = (r, r.attempt)
                order.append(r.deliveryID)
            }
        }
        var u = Columns(count: order.count)
        for id in order {
            let (r, attempts) = last[id]!
            if let b = before[id] {
                counters.moved(receivedMilliseconds: b.received, source: b.source, target: b.target, from: b.status, to: r.newStatus.rawValue)
            }
            u.int(0, id); u.text(1, r.newStatus.rawValue)
            u.int(2, Int64(attempts))
            u.optionalInt(3, r.nextAttemptAt?.milliseconds); u.optionalInt(4, r.statusCode.map(Int64.init)); u.optionalText(5, r.error)
            u.bool(6, r.forgetAfterCommit || r.newStatus != .pending)
        }
        try db.query("""
            UPDATE deliveries d SET status = u.status, attempts = GREATEST(d.attempts, u.attempt), next_attempt_ms = COALESCE(u.next, d.next_attempt_ms),
                   updated_ms = $8, last_status = u.code, last_error = u.error,
                   lease_owner = CASE WHEN u.release THEN NULL ELSE d.lease_owner END,
                   lease_until_ms = CASE WHEN u.release THEN NULL ELSE d.lease_until_ms END
            FROM unnest($1::bigint[], $2::text[], $3::int[], $4::bigint[], $5::int[], $6::text[], $7::bool[]) AS u(id, status, attempt, next, code, error, release)
            WHERE d.id = u.id
            """, u.parameters + [String(WallClock.now().milliseconds)])
        let logged = records.filter(\.logged)
        guard !logged.isEmpty else { return }
        var a = Columns(count: logged.count)
        for r in logged {
            a.int(0, r.deliveryID); a.int(1, Int64(r.attempt)); a.int(2, r.startedAt.milliseconds); a.int(3, r.durationMilliseconds)
            a.optionalInt(4, r.statusCode.map(Int64.init)); a.bytes(5, r.response); a.optionalText(6, r.error)
        }
        // Counted as written: a row already there (the same attempt recorded twice) counts once.
        for r in try db.query("""
            INSERT INTO attempts (delivery_id, attempt, started_ms, duration_ms, status, response, error)
            SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::bigint[], $5::int[], $6::bytea[], $7::text[])
            ON CONFLICT DO NOTHING RETURNING delivery_id, started_ms, status
            """, a.parameters) {
            guard let b = before[Int64(r[0] ?? "") ?? 0] else { continue }
            counters.attempt(startedMilliseconds: Int64(r[1] ?? "") ?? 0, target: b.target, ok: (200...299).contains(Int(r[2] ?? "") ?? 0) ? 1 : 0)
        }
    }
}
