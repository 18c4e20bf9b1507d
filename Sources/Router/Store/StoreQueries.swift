import Rules

/// The CLI's view of the store: listing deliveries and putting them back in the queue.
///
/// Runs in another process than the server, on its own connection: WAL lets it read beside the
/// writer, and `busy_timeout` makes its one short write transaction wait for the writer's batch.
/// Never reads bodies or headers, so nothing here needs the store key or can leak a secret.
struct StoreQueries {
    /// The store cannot be opened: the message names the directory and what to do.
    struct OpenError: Error, CustomStringConvertible {
        let description: String
    }

    let db: SQLiteDatabase

    /// Wraps a connection the caller opened (the admin API's, inside the server).
    init(db: SQLiteDatabase) {
        self.db = db
    }

    /// Opens `DIRECTORY/hookrouter.db` without creating it. `writable` also brings the schema up to
    /// date; listing read-only needs the current schema (the server migrates it when it starts).
    init(directory: String, writable: Bool) throws(OpenError) {
        let path = directory + "/" + SQLiteEventStore.fileName
        guard FileSystem.isDirectory(directory) else {
            throw OpenError(description: "data directory '\(directory)' does not exist; pass the --data directory 'hookrouter serve' uses")
        }
        guard FileSystem.isRegularFile(path) else {
            throw OpenError(description: "no store in '\(directory)' (no \(SQLiteEventStore.fileName)); pass the --data directory 'hookrouter serve' uses")
        }
        do throws(SQLiteError) {
            if writable {
                db = try SQLiteEventStore.open(path: path)
            } else {
                db = try SQLiteDatabase(path: path, readOnly: true)
                let version = try db.scalar("PRAGMA user_version")
                guard version >= 1, version <= Schema.currentVersion else {
                    throw SQLiteError(code: 0, message: version == 0
                        ? "it holds no hookrouter tables"
                        : "its schema version \(version) is newer than this hookrouter understands (\(Schema.currentVersion)); run a newer hookrouter")
                }
                guard version == Schema.currentVersion else {
                    throw SQLiteError(code: 0, message: "its schema version \(version) is older than this hookrouter's (\(Schema.currentVersion)); start 'hookrouter serve' of this version once to bring it up to date")
                }
            }
        } catch {
            throw OpenError(description: "cannot open the store in '\(directory)': \(error.message); check the path and its permissions")
        }
    }

    // MARK: - Listing

    /// Which deliveries to list; nil matches all.
    struct Filter {
        var status: DeliveryStatus?
        var target: String?
        var eventID: String?
        /// Only deliveries of events from this source.
        var source: String?
        var limit = 50
        /// Only deliveries created at or after this time.
        var sinceMilliseconds: Int64?
        /// Only deliveries with a smaller id (the admin API's page cursor).
        var beforeID: Int64?
    }

    /// One delivery with its event's identity and its last attempt: no body, no header values.
    struct DeliveryRow: Equatable {
        let id: Int64
        let status: String
        let route: String
        let target: String
        let source: String
        let eventID: String
        /// The event's row, to read it back (redaction) without a lookup by id.
        let eventSeq: Int64
        let type: String
        let attempts: Int
        let createdMilliseconds: Int64
        let updatedMilliseconds: Int64
        /// When a pending delivery is due.
        let nextAttemptMilliseconds: Int64?
        let lastStatusCode: Int?
        /// The last attempt's error, or why the delivery ended (410, no attempts left, orphaned).
        let lastError: String?
        let lastAttemptMilliseconds: Int64?
        let lastDurationMilliseconds: Int64?
    }

    /// Deliveries newest first: those with rows, merged with those derived from their events'
    /// plans (schema 6: a delivery made at its first attempt has no row).
    func deliveries(_ filter: Filter) throws(SQLiteError) -> [DeliveryRow] {
        // One snapshot for both reads: a row the writer makes between them (a first attempt that
        // failed) would otherwise be in neither, and the delivery missing from the page.
        var rows = try snapshot { () throws(SQLiteError) in
            var rows = try keptDeliveries(filter)
            if filter.status != .dead, filter.status != .orphaned { rows += try derivedDeliveries(filter) }
            return rows
        }
        rows.sort { $0.id > $1.id }
        return Array(rows.prefix(filter.limit))
    }

    /// Deliveries with a row of their own (failed at least once, replayed, dead, orphaned, backlogged).
    private func keptDeliveries(_ filter: Filter) throws(SQLiteError) -> [DeliveryRow] {
        let s = try db.prepare("""
            SELECT d.id, d.status, d.route, d.target, e.source, e.event_id, e.type, d.attempts, d.created_ms, d.updated_ms,
                   d.next_attempt_ms, d.last_status, d.last_error, a.started_ms, a.duration_ms, d.event_seq
            FROM delivery_rows d
            JOIN events e ON e.seq = d.event_seq
            LEFT JOIN attempts a ON a.delivery_id = d.id AND a.attempt = (SELECT max(attempt) FROM attempts WHERE delivery_id = d.id)
            WHERE (?1 IS NULL OR d.status = ?1) AND (?2 IS NULL OR d.target = ?2) AND (?3 IS NULL OR e.event_id = ?3)
              AND (?5 IS NULL OR d.created_ms >= ?5) AND (?6 IS NULL OR d.id < ?6) AND (?7 IS NULL OR e.source = ?7)
            ORDER BY d.id DESC LIMIT ?4
            """)
        s.bind(1, filter.status?.rawValue)
        s.bind(2, filter.target)
        s.bind(3, filter.eventID)
        s.bind(4, filter.limit)
        if let v = filter.sinceMilliseconds { s.bind(5, v) } else { s.bindNull(5) }
        if let v = filter.beforeID { s.bind(6, v) } else { s.bindNull(6) }
        s.bind(7, filter.source)
        var rows: [DeliveryRow] = []
        while try s.step() {
            let status = s.string(1)
            rows.append(DeliveryRow(
                id: s.int64(0), status: status, route: s.string(2), target: s.string(3), source: s.string(4),
                eventID: s.string(5), eventSeq: s.int64(15), type: s.string(6), attempts: s.int(7), createdMilliseconds: s.int64(8),
                updatedMilliseconds: s.int64(9), nextAttemptMilliseconds: status == DeliveryStatus.pending.rawValue ? s.int64(10) : nil,
                lastStatusCode: s.isNull(11) ? nil : s.int(11), lastError: s.optionalString(12),
                lastAttemptMilliseconds: s.isNull(13) ? nil : s.int64(13), lastDurationMilliseconds: s.isNull(14) ? nil : s.int64(14)))
        }
        return rows
    }

    /// The store's settled cursor: a delivery without a row is delivered up to it, pending after it.
    func settledSeq() throws(SQLiteError) -> Int64 {
        try db.scalar("SELECT settled_seq FROM delivery_state")
    }

    /// Which deliveries without rows were delivered: those of events up to the cursor, and those the
    /// engine listed as made above it.
    struct Settled {
        let through: Int64
        let above: Set<Int64>

        func delivered(seq: Int64, id: Int64) -> Bool { seq <= through || above.contains(id) }
    }

    func settled() throws(SQLiteError) -> Settled {
        let s = try db.prepare("SELECT settled_seq, (SELECT group_concat(value) FROM json_each(delivered_above)) FROM delivery_state")
        defer { s.reset() }
        guard try s.step() else { return Settled(through: 0, above: []) }
        return Settled(through: s.int64(0), above: Set(s.string(1).split(separator: ",").compactMap { Int64($0) }))
    }

    /// Deliveries without rows, read from their events' plans newest first. The filters become a seq
    /// range where they can (status against the cursor, the page cursor, `since`) so a page reads only
    /// the events it shows; a target or event filter is checked row by row.
    private func derivedDeliveries(_ filter: Filter) throws(SQLiteError) -> [DeliveryRow] {
        let settled = try settled()
        var low: Int64 = 0, high = Int64.max
        switch filter.status {
        case .pending?: low = settled.through + 1
        case .delivered?: if settled.above.isEmpty { high = settled.through }
        default: break
        }
        if let before = filter.beforeID { high = min(high, (before - 1) / Schema.idsPerEvent) }
        if let since = filter.sinceMilliseconds {
            guard let first = try firstSeq(receivedSince: since) else { return [] }
            low = max(low, first)
        }
        guard low <= high else { return [] }
        let s = try db.prepare("""
            \(Self.derivedColumns)
            WHERE k.seq BETWEEN ?1 AND ?2 AND k.planned != ''
              AND (?3 IS NULL OR j.value ->> 1 = ?3) AND (?4 IS NULL OR k.event_id = ?4)
              AND (?5 IS NULL OR e.received_ms >= ?5) AND (?6 IS NULL OR k.seq * \(Schema.idsPerEvent) + j.key < ?6)
              AND (?7 IS NULL OR k.source = ?7)
              AND NOT EXISTS (SELECT 1 FROM delivery_rows r WHERE r.id = k.seq * \(Schema.idsPerEvent) + j.key)
            ORDER BY k.seq DESC
            """)
        s.bind(1, low)
        s.bind(2, high)
        s.bind(3, filter.target)
        s.bind(4, filter.eventID)
        if let v = filter.sinceMilliseconds { s.bind(5, v) } else { s.bindNull(5) }
        if let v = filter.beforeID { s.bind(6, v) } else { s.bindNull(6) }
        s.bind(7, filter.source)
        // Ordered by seq alone (a LIMIT with the plan's index in the ORDER BY made SQLite sort the whole
        // range): read on until `limit` rows and the end of that event's plan.
        defer { s.reset() }
        var rows: [DeliveryRow] = []
        while try s.step() {
            let row = Self.derivedRow(s, settled: settled)
            if let status = filter.status, row.status != status.rawValue { continue }
            if rows.count >= filter.limit, row.eventSeq != rows[rows.count - 1].eventSeq { break }
            rows.append(row)
        }
        return rows
    }

    /// The columns `derivedRow` reads, one row per (event, planned delivery).
    private static let derivedColumns = """
        SELECT k.seq * \(Schema.idsPerEvent) + j.key, k.seq, j.value ->> 0, j.value ->> 1, k.source, k.event_id, e.type, e.received_ms
        FROM event_keys k JOIN json_each(k.planned) j JOIN events e ON e.seq = k.seq
        """

    /// The seq of the first event received at or after `since` (seqs follow receipt), from the time
    /// index alone; nil when none was.
    func firstSeq(receivedSince since: Int64) throws(SQLiteError) -> Int64? {
        let s = try db.prepare("SELECT seq FROM events INDEXED BY events_received WHERE received_ms >= ?1 ORDER BY received_ms LIMIT 1")
        defer { s.reset() }
        s.bind(1, since)
        return try s.step() ? s.int64(0) : nil
    }

    /// A delivery without a row, from `derivedColumns` (id, seq, route, target, source, event id,
    /// type, received): delivered at its first attempt (no code, time or answer kept) when
    /// `settled` says so, else pending and due since its event came.
    static func derivedRow(_ s: SQLiteStatement, settled: Settled) -> DeliveryRow {
        let seq = s.int64(1), received = s.int64(7)
        let delivered = settled.delivered(seq: seq, id: s.int64(0))
        return DeliveryRow(
            id: s.int64(0), status: delivered ? DeliveryStatus.delivered.rawValue : DeliveryStatus.pending.rawValue,
            route: s.string(2), target: s.string(3), source: s.string(4), eventID: s.string(5), eventSeq: seq, type: s.string(6),
            attempts: delivered ? 1 : 0, createdMilliseconds: received, updatedMilliseconds: received,
            nextAttemptMilliseconds: delivered ? nil : received, lastStatusCode: nil, lastError: nil,
            lastAttemptMilliseconds: nil, lastDurationMilliseconds: nil)
    }

    /// One delivery without a row, by id; nil when the id is no event's planned delivery or has a row.
    func derivedDelivery(id: Int64) throws(SQLiteError) -> DeliveryRow? {
        guard id >= Schema.idsPerEvent else { return nil }
        let s = try db.prepare("""
            \(Self.derivedColumns)
            WHERE k.seq = ?1 AND j.key = ?2 AND k.planned != ''
              AND NOT EXISTS (SELECT 1 FROM delivery_rows r WHERE r.id = ?3)
            """)
        s.bind(1, id / Schema.idsPerEvent)
        s.bind(2, id % Schema.idsPerEvent)
        s.bind(3, id)
        guard try s.step() else { return nil }
        return Self.derivedRow(s, settled: try settled())
    }

    /// The distinct target names deliveries were made for (for "did you mean" when a filter finds
    /// nothing): those with rows, and those planned by the last 10,000 events.
    func targetNames() throws(SQLiteError) -> [String] {
        let s = try db.prepare("""
            SELECT DISTINCT target FROM delivery_rows
            UNION SELECT DISTINCT j.value ->> 1 FROM (SELECT planned FROM event_keys WHERE planned != '' ORDER BY seq DESC LIMIT 10000) k, json_each(k.planned) j
            """)
        var names: [String] = []
        while try s.step() { names.append(s.string(0)) }
        return names
    }

    // MARK: - Replay

    /// What a replay did, id by id.
    struct ReplayResult: Equatable {
        /// Put back to pending, due now.
        var replayed: [Int64] = []
        /// Already pending: left as they are (they are in the queue).
        var alreadyPending: [Int64] = []
        /// Delivered, and `force` was not given.
        var refusedDelivered: [Int64] = []
        var unknown: [Int64] = []
    }

    /// Which statuses a replay takes: dead and orphaned, and delivered only when forced.
    static func replayable(force: Bool) -> [DeliveryStatus] {
        force ? [.dead, .orphaned, .delivered] : [.dead, .orphaned]
    }

    /// Puts the given deliveries back in the queue, due `now`, with a fresh retry budget.
    func replay(ids: [Int64], force: Bool, now: Timestamp) throws(SQLiteError) -> ReplayResult {
        var result = ReplayResult()
        try transaction { () throws(SQLiteError) in
            let find = try db.prepare("SELECT status FROM delivery_rows WHERE id = ?1")
            for id in ids {
                defer { find.reset() }
                find.bind(1, id)
                guard try find.step() else {
                    // No row: delivered at its first attempt, pending after the cursor, or unknown.
                    switch try derivedDelivery(id: id) {
                    case nil: result.unknown.append(id)
                    case let d? where d.status == DeliveryStatus.pending.rawValue: result.alreadyPending.append(id)
                    case .some where !force: result.refusedDelivered.append(id)
                    case let d?:
                        try giveRow(d, now: now)
                        result.replayed.append(id)
                    }
                    continue
                }
                switch DeliveryStatus(rawValue: find.string(0)) {
                case .pending: result.alreadyPending.append(id)
                case .delivered where !force: result.refusedDelivered.append(id)
                default:
                    try requeue(id: id, now: now)
                    result.replayed.append(id)
                }
            }
        }
        return result
    }

    /// Puts every delivery in `status` (of `target`, when given) back in the queue, due `now`.
    func replay(status: DeliveryStatus, target: String?, now: Timestamp) throws(SQLiteError) -> [Int64] {
        var ids: [Int64] = []
        try transaction { () throws(SQLiteError) in
            let find = try db.prepare("SELECT id FROM delivery_rows WHERE status = ?1 AND (?2 IS NULL OR target = ?2) ORDER BY id")
            find.bind(1, status.rawValue)
            find.bind(2, target)
            while try find.step() { ids.append(find.int64(0)) }
            find.reset()
            for id in ids { try requeue(id: id, now: now) }
        }
        return ids
    }

    /// Pending and due now; the attempt count is kept (attempt rows are never overwritten) and the
    /// retry budget restarts from it (`attempt_base`).
    private func requeue(id: Int64, now: Timestamp) throws(SQLiteError) {
        let s = try db.prepare("""
            UPDATE delivery_rows SET status = 'pending', next_attempt_ms = ?2, updated_ms = ?2, attempt_base = attempts
            WHERE id = ?1 AND status != 'pending'
            """)
        s.bind(1, id)
        s.bind(2, now.milliseconds)
        try s.run()
    }

    /// A replay of a delivery made at its first attempt (no row): its row, pending and due `now`, with
    /// that attempt counted (the next is attempt 2) and a fresh retry budget.
    private func giveRow(_ d: DeliveryRow, now: Timestamp) throws(SQLiteError) {
        let s = try db.prepare("""
            INSERT INTO delivery_rows (id, event_seq, route, target, status, attempts, attempt_base, next_attempt_ms, created_ms, updated_ms)
            VALUES (?1, ?2, ?3, ?4, 'pending', 1, 1, ?5, ?6, ?5)
            """)
        s.bind(1, d.id)
        s.bind(2, d.eventSeq)
        s.bind(3, d.route)
        s.bind(4, d.target)
        s.bind(5, now.milliseconds)
        s.bind(6, d.createdMilliseconds)
        try s.run()
    }

    /// Reads in one deferred transaction: every statement of `body` sees the same commit (WAL).
    func snapshot<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        try db.execute("BEGIN")
        do {
            let value = try body()
            try db.execute("COMMIT")
            return value
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    /// One short write transaction; `BEGIN IMMEDIATE` takes the write lock up front (waiting out the
    /// server's batch through busy_timeout) so the read-then-update cannot deadlock.
    private func transaction(_ body: () throws(SQLiteError) -> Void) throws(SQLiteError) {
        try db.execute("BEGIN IMMEDIATE")
        do {
            try body()
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}
