import Rules

/// What the admin API reads beyond the CLI's listing: one delivery's attempts, a target's attempt
/// log and the numbers of `/api/stats`. Like the rest of `StoreQueries`, never a body or a header.
extension StoreQueries {
    /// One attempt as logged: the first 1 KiB of the answer is kept by the engine. A delivery made at
    /// its first attempt logged nothing (schema 6): its attempt is shown `recorded: false`, at its
    /// event's receipt, with no status, duration or answer.
    struct AttemptRow: Equatable {
        let deliveryID: Int64
        let attempt: Int
        let startedMilliseconds: Int64
        let durationMilliseconds: Int64?
        let statusCode: Int?
        let response: [UInt8]
        let error: String?
        var recorded = true
        /// Filled by `targetLog` (the delivery's identity); empty for `attempts(of:)`.
        var route = ""
        var source = ""
        var eventID = ""
        var eventSeq: Int64 = 0
    }

    /// The delivery with this id, or nil.
    func delivery(id: Int64) throws(SQLiteError) -> DeliveryRow? {
        var filter = Filter()
        filter.beforeID = id + 1
        filter.limit = 1
        return try deliveries(filter).first { $0.id == id }
    }

    /// Every attempt of a delivery, first to last; the unrecorded first attempt of one without a row.
    func attempts(of deliveryID: Int64) throws(SQLiteError) -> [AttemptRow] {
        if let d = try derivedDelivery(id: deliveryID) {
            guard d.status == DeliveryStatus.delivered.rawValue else { return [] }
            return [AttemptRow(deliveryID: d.id, attempt: 1, startedMilliseconds: d.createdMilliseconds, durationMilliseconds: nil,
                               statusCode: nil, response: [], error: nil, recorded: false)]
        }
        let s = try db.prepare("""
            SELECT delivery_id, attempt, started_ms, duration_ms, status, response, error FROM attempts
            WHERE delivery_id = ?1 ORDER BY attempt
            """)
        defer { s.reset() }
        s.bind(1, deliveryID)
        var rows: [AttemptRow] = []
        while try s.step() { rows.append(attemptRow(s)) }
        return rows
    }

    /// Where a page of a target's attempt log ends: the next page starts after it.
    struct LogCursor: Equatable {
        let startedMilliseconds: Int64
        let deliveryID: Int64
        let attempt: Int

        /// `started.delivery.attempt`, opaque to clients.
        var text: String { "\(startedMilliseconds).\(deliveryID).\(attempt)" }

        init(startedMilliseconds: Int64, deliveryID: Int64, attempt: Int) {
            self.startedMilliseconds = startedMilliseconds
            self.deliveryID = deliveryID
            self.attempt = attempt
        }

        init?(_ text: String) {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, let s = Int64(parts[0]), let d = Int64(parts[1]), let a = Int(parts[2]) else { return nil }
            self.init(startedMilliseconds: s, deliveryID: d, attempt: a)
        }
    }

    /// A target's attempts, newest first, after `cursor`: those logged, merged with the unrecorded
    /// first attempts of deliveries made at once.
    func targetLog(target: String, after cursor: LogCursor?, limit: Int) throws(SQLiteError) -> [AttemptRow] {
        var rows = try loggedAttempts(target: target, after: cursor, limit: limit) + unrecordedAttempts(target: target, after: cursor, limit: limit)
        rows.sort { ($0.startedMilliseconds, $0.deliveryID, $0.attempt) > ($1.startedMilliseconds, $1.deliveryID, $1.attempt) }
        return Array(rows.prefix(limit))
    }

    /// Deliveries to `target` made at their first attempt (no row), as unrecorded attempts, newest first.
    private func unrecordedAttempts(target: String, after cursor: LogCursor?, limit: Int) throws(SQLiteError) -> [AttemptRow] {
        let s = try db.prepare("""
            SELECT k.seq * \(Schema.idsPerEvent) + j.key, k.seq, j.value ->> 0, k.source, k.event_id, e.received_ms
            FROM event_keys k JOIN json_each(k.planned) j JOIN events e ON e.seq = k.seq
            WHERE (k.seq <= ?1 OR k.seq * \(Schema.idsPerEvent) + j.key IN (SELECT value FROM json_each(?6))) AND k.planned != '' AND j.value ->> 1 = ?2
              AND (?3 IS NULL OR (e.received_ms, k.seq * \(Schema.idsPerEvent) + j.key, 1) < (?3, ?4, ?5))
              AND NOT EXISTS (SELECT 1 FROM delivery_rows r WHERE r.id = k.seq * \(Schema.idsPerEvent) + j.key)
            ORDER BY k.seq DESC
            """)
        defer { s.reset() }
        let settled = try settled()
        s.bind(1, settled.through)
        s.bind(2, target)
        s.bind(6, StoreCodec.jsonArray(settled.above))
        cursor.bind(to: s, from: 3)
        var rows: [AttemptRow] = []
        while try s.step(), rows.count < limit {
            var row = AttemptRow(deliveryID: s.int64(0), attempt: 1, startedMilliseconds: s.int64(5), durationMilliseconds: nil,
                                 statusCode: nil, response: [], error: nil, recorded: false)
            row.eventSeq = s.int64(1)
            row.route = s.string(2)
            row.source = s.string(3)
            row.eventID = s.string(4)
            rows.append(row)
        }
        return rows
    }

    private func loggedAttempts(target: String, after cursor: LogCursor?, limit: Int) throws(SQLiteError) -> [AttemptRow] {
        let s = try db.prepare("""
            SELECT a.delivery_id, a.attempt, a.started_ms, a.duration_ms, a.status, a.response, a.error, d.route, e.source, e.event_id, d.event_seq
            FROM attempts a
            JOIN delivery_rows d ON d.id = a.delivery_id
            JOIN events e ON e.seq = d.event_seq
            WHERE d.target = ?1 AND (?2 IS NULL OR (a.started_ms, a.delivery_id, a.attempt) < (?2, ?3, ?4))
            ORDER BY a.started_ms DESC, a.delivery_id DESC, a.attempt DESC LIMIT ?5
            """)
        defer { s.reset() }
        s.bind(1, target)
        cursor.bind(to: s, from: 2)
        s.bind(5, limit)
        var rows: [AttemptRow] = []
        while try s.step() {
            var row = attemptRow(s)
            row.route = s.string(7)
            row.source = s.string(8)
            row.eventID = s.string(9)
            row.eventSeq = s.int64(10)
            rows.append(row)
        }
        return rows
    }

    private func attemptRow(_ s: SQLiteStatement) -> AttemptRow {
        AttemptRow(deliveryID: s.int64(0), attempt: s.int(1), startedMilliseconds: s.int64(2), durationMilliseconds: s.int64(3),
                   statusCode: s.isNull(4) ? nil : s.int(4), response: s.blob(5), error: s.optionalString(6))
    }

    // MARK: - Statistics

    /// Counts for `/api/stats`, keyed by name; `since` starts the window ("last 24 h").
    struct StatsCounts {
        /// Events stored, by source: all, and received in the window.
        var events: [String: Int] = [:]
        var eventsInWindow: [String: Int] = [:]
        /// Deliveries by (target, status): all in the store, and of events received in the window.
        var deliveries: [Pair: Int] = [:]
        var deliveriesInWindow: [Pair: Int] = [:]
        /// Deliveries of events received in the window, by (source, status).
        var sourceDeliveriesInWindow: [Pair: Int] = [:]
        /// Attempts started in the window, by target: all, and those answered 2xx.
        var attemptsInWindow: [String: Int] = [:]
        var deliveredAttemptsInWindow: [String: Int] = [:]

        struct Pair: Hashable {
            let name: String
            let status: String
        }
    }

    /// Events and planned deliveries come from the per-minute counters (`stat_plans`, schema 7), what
    /// became of deliveries from `delivery_rows` and the unsettled tail: the cost is the counters, the
    /// rows kept and the deliveries not settled yet, not the store. The window starts at the minute of
    /// `since` (the counters' grain), at the first event received in it (seqs follow receipt). Read on
    /// one snapshot: statement by statement, a batch committed between two of them would be counted
    /// by one and not the other (its attempts without the deliveries they settled).
    func stats(since unaligned: Int64) throws(SQLiteError) -> StatsCounts {
        try snapshot { () throws(SQLiteError) in try statsNow(since: unaligned) }
    }

    private func statsNow(since unaligned: Int64) throws(SQLiteError) -> StatsCounts {
        var c = StatsCounts()
        let since = unaligned / 60_000 * 60_000
        let settled = try settled()
        let above = StoreCodec.jsonArray(settled.above)
        try each("SELECT source, sum(n) FROM stat_plans WHERE target = '' GROUP BY source", since: nil) { c.events[$0.string(0)] = $0.int(1) }
        try each("SELECT source, sum(n) FROM stat_plans WHERE target = '' AND minute >= ?1 / 60000 GROUP BY source", since: since) {
            c.eventsInWindow[$0.string(0)] = $0.int(1)
        }
        try each("SELECT target, status, count(*) FROM delivery_rows GROUP BY target, status", since: nil) {
            c.deliveries[.init(name: $0.string(0), status: $0.string(1)), default: 0] += $0.int(2)
        }
        try derivedCounts(from: 0, sinceMinute: .min, settled: settled.through, above: above) { target, status, _, n in
            c.deliveries[.init(name: target, status: status), default: 0] += n
        }
        if let firstSeq = try firstSeq(receivedSince: since) {
            let rows = try db.prepare("""
                SELECT d.target, d.status, k.source, count(*) FROM delivery_rows d JOIN event_keys k ON k.seq = d.event_seq
                WHERE d.event_seq >= ?1 GROUP BY d.target, d.status, k.source
                """)
            rows.bind(1, firstSeq)
            while try rows.step() {
                c.deliveriesInWindow[.init(name: rows.string(0), status: rows.string(1)), default: 0] += rows.int(3)
                c.sourceDeliveriesInWindow[.init(name: rows.string(2), status: rows.string(1)), default: 0] += rows.int(3)
            }
            rows.reset()
            try derivedCounts(from: firstSeq, sinceMinute: since / 60_000, settled: settled.through, above: above) { target, status, source, n in
                c.deliveriesInWindow[.init(name: target, status: status), default: 0] += n
                c.sourceDeliveriesInWindow[.init(name: source, status: status), default: 0] += n
                // A delivery made at its first attempt logged no attempt row: it counts as one 2xx
                // attempt, at its event's receipt (it was sent within moments of it).
                if status == DeliveryStatus.delivered.rawValue {
                    c.attemptsInWindow[target, default: 0] += n
                    c.deliveredAttemptsInWindow[target, default: 0] += n
                }
            }
        }
        try each("""
            SELECT d.target, count(*), sum(a.status BETWEEN 200 AND 299) FROM attempts a JOIN delivery_rows d ON d.id = a.delivery_id
            WHERE a.started_ms >= ?1 GROUP BY d.target
            """, since: since) {
            c.attemptsInWindow[$0.string(0), default: 0] += $0.int(1)
            c.deliveredAttemptsInWindow[$0.string(0), default: 0] += $0.int(2)
        }
        return c
    }

    /// Deliveries without rows of the events from `seq` on (received from `sinceMinute` on: the same
    /// events), counted by (target, status, source). Planned = the counters; pending = the tail after
    /// the cursor without rows (and not listed delivered above it); delivered = planned - with rows - pending.
    private func derivedCounts(from seq: Int64, sinceMinute: Int64, settled: Int64, above: String,
                               _ row: (String, String, String, Int) -> Void) throws(SQLiteError) {
        struct Key: Hashable { let target: String, source: String }
        var planned: [Key: Int] = [:], pending: [Key: Int] = [:]
        let plans = try db.prepare("SELECT target, source, sum(n) FROM stat_plans WHERE target != '' AND minute >= ?1 GROUP BY 1, 2")
        plans.bind(1, sinceMinute)
        while try plans.step() { planned[Key(target: plans.string(0), source: plans.string(1)), default: 0] += plans.int(2) }
        plans.reset()
        let rows = try db.prepare("""
            SELECT d.target, k.source, count(*) FROM delivery_rows d JOIN event_keys k ON k.seq = d.event_seq
            WHERE d.event_seq >= ?1 AND k.planned != '' GROUP BY 1, 2
            """)
        rows.bind(1, seq)
        while try rows.step() { planned[Key(target: rows.string(0), source: rows.string(1)), default: 0] -= rows.int(2) }
        rows.reset()
        let tail = try db.prepare("""
            SELECT j.value ->> 1, k.source, count(*) FROM event_keys k, json_each(k.planned) j
            WHERE k.seq >= ?1 AND k.seq > ?2 AND k.planned != ''
              AND k.seq * \(Schema.idsPerEvent) + j.key NOT IN (SELECT value FROM json_each(?3))
              AND NOT EXISTS (SELECT 1 FROM delivery_rows r WHERE r.id = k.seq * \(Schema.idsPerEvent) + j.key)
            GROUP BY 1, 2
            """)
        tail.bind(1, seq)
        tail.bind(2, settled)
        tail.bind(3, above)
        while try tail.step() { pending[Key(target: tail.string(0), source: tail.string(1)), default: 0] += tail.int(2) }
        tail.reset()
        for (k, n) in planned {
            let p = pending[k] ?? 0
            if p > 0 { row(k.target, DeliveryStatus.pending.rawValue, k.source, p) }
            if n - p > 0 { row(k.target, DeliveryStatus.delivered.rawValue, k.source, n - p) }
        }
    }

    func each(_ sql: String, since: Int64?, _ row: (SQLiteStatement) -> Void) throws(SQLiteError) {
        let s = try db.prepare(sql)
        defer { s.reset() }
        if let since { s.bind(1, since) }
        while try s.step() { row(s) }
    }
}

extension Optional where Wrapped == StoreQueries.LogCursor {
    /// Binds (started, delivery, attempt) to parameters `first`…`first + 2`; NULL at `first` for none.
    func bind(to s: SQLiteStatement, from first: Int32) {
        guard let c = self else { return s.bindNull(first) }
        s.bind(first, c.startedMilliseconds)
        s.bind(first + 1, c.deliveryID)
        s.bind(first + 2, c.attempt)
    }
}

extension StoreQueries {
    /// One minute of the overview chart: events received, deliveries they asked for, failed attempts.
    struct Minute {
        var events = 0
        var deliveries = 0
        var failed = 0
    }

    /// Per minute (ms since the epoch / 60000) since `since` (a minute's start): events and deliveries
    /// from the counters, failed attempts from the attempts' time index: the window's rows, not the store's.
    func minutes(since: Int64) throws(SQLiteError) -> [Int64: Minute] {
        var out: [Int64: Minute] = [:]
        try each("""
            SELECT minute, sum(n) FILTER (WHERE target = ''), sum(n) FILTER (WHERE target != '') FROM stat_plans WHERE minute >= ?1 / 60000 GROUP BY 1
            """, since: since) {
            out[$0.int64(0), default: Minute()].events = $0.int(1)
            out[$0.int64(0), default: Minute()].deliveries = $0.int(2)
        }
        try each("SELECT started_ms / 60000, count(*) FROM attempts WHERE started_ms >= ?1 AND (status IS NULL OR status < 200 OR status >= 300) GROUP BY 1",
                 since: since) { out[$0.int64(0), default: Minute()].failed = $0.int(1) }
        return out
    }
}
