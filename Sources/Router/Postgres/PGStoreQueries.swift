import Rules

/// The admin API's and the CLI's queries on the PostgreSQL store. Every delivery has a row and every
/// attempt is logged here (there is no settled cursor), so each answer is one indexed read, and the
/// statistics come from counters; the answers are `StoreQueries`' on the SQLite store, field for field.
final class PGStoreQueries: DeliveryQueries {
    private let session: PGSession
    private let codec: StoreCodec?

    /// `codec` opens sealed events (the admin API's redaction); the CLI, which never reads bodies, has none.
    init(url: String, codec: StoreCodec? = nil) {
        session = PGSession(url: url)
        self.codec = codec
    }

    /// Connects and checks the schema, for a command that should fail at once with the reason.
    func open() throws(PGError) {
        let rows = try session.query("SELECT version FROM hookrouter_schema")
        let version = rows.first.flatMap { $0.first ?? nil }.flatMap { Int($0) } ?? 0
        guard version == PGSchema.version else {
            throw .unavailable(version > PGSchema.version
                ? "the database's schema \(version) is newer than this hookrouter's (\(PGSchema.version)); run a newer hookrouter"
                : "the database's schema \(version) is older than this hookrouter's (\(PGSchema.version)); start 'hookrouter serve' of this version once")
        }
    }

    // MARK: - Deliveries

    func deliveries(_ filter: StoreQueries.Filter) throws(PGError) -> [StoreQueries.DeliveryRow] {
        try session.query("""
            SELECT d.id, d.status, d.route, d.target, e.source, e.event_id, e.type, d.attempts, d.created_ms, d.updated_ms,
                   d.next_attempt_ms, d.last_status, d.last_error, a.started_ms, a.duration_ms, d.event_seq
            FROM deliveries d JOIN events e ON e.seq = d.event_seq
            LEFT JOIN LATERAL (SELECT started_ms, duration_ms FROM attempts WHERE delivery_id = d.id ORDER BY attempt DESC LIMIT 1) a ON true
            WHERE ($1::text IS NULL OR d.status = $1) AND ($2::text IS NULL OR d.target = $2) AND ($3::text IS NULL OR e.event_id = $3)
              AND ($5::bigint IS NULL OR d.created_ms >= $5) AND ($6::bigint IS NULL OR d.id < $6) AND ($7::text IS NULL OR e.source = $7)
            ORDER BY d.id DESC LIMIT $4
            """, [filter.status?.rawValue, filter.target, filter.eventID, String(filter.limit),
                  filter.sinceMilliseconds.map(String.init), filter.beforeID.map(String.init), filter.source]).map { r in
            let status = r[1] ?? ""
            return StoreQueries.DeliveryRow(
                id: Self.int64(r[0]), status: status, route: r[2] ?? "", target: r[3] ?? "", source: r[4] ?? "", eventID: r[5] ?? "",
                eventSeq: Self.int64(r[15]), type: r[6] ?? "", attempts: Int(Self.int64(r[7])), createdMilliseconds: Self.int64(r[8]),
                updatedMilliseconds: Self.int64(r[9]), nextAttemptMilliseconds: status == DeliveryStatus.pending.rawValue ? Self.int64(r[10]) : nil,
                lastStatusCode: r[11].flatMap { Int($0) }, lastError: r[12], lastAttemptMilliseconds: r[13].flatMap { Int64($0) },
                lastDurationMilliseconds: r[14].flatMap { Int64($0) })
        }
    }

    func delivery(id: Int64) throws(PGError) -> StoreQueries.DeliveryRow? {
        var filter = StoreQueries.Filter()
        filter.beforeID = id + 1
        filter.limit = 1
        return try deliveries(filter).first { $0.id == id }
    }

    func attempts(of deliveryID: Int64) throws(PGError) -> [StoreQueries.AttemptRow] {
        try session.query("""
            SELECT delivery_id, attempt, started_ms, duration_ms, status, response, error FROM attempts
            WHERE delivery_id = $1 ORDER BY attempt
            """, [String(deliveryID)]).map(Self.attemptRow)
    }

    func targetLog(target: String, after cursor: StoreQueries.LogCursor?, limit: Int) throws(PGError) -> [StoreQueries.AttemptRow] {
        try session.query("""
            SELECT a.delivery_id, a.attempt, a.started_ms, a.duration_ms, a.status, a.response, a.error, d.route, e.source, e.event_id, d.event_seq
            FROM attempts a JOIN deliveries d ON d.id = a.delivery_id JOIN events e ON e.seq = d.event_seq
            WHERE d.target = $1 AND ($2::bigint IS NULL OR (a.started_ms, a.delivery_id, a.attempt) < ($2::bigint, $3::bigint, $4::int))
            ORDER BY a.started_ms DESC, a.delivery_id DESC, a.attempt DESC LIMIT $5
            """, [target, cursor.map { String($0.startedMilliseconds) }, cursor.map { String($0.deliveryID) }, cursor.map { String($0.attempt) },
                  String(limit)]).map { r in
            var row = Self.attemptRow(r)
            row.route = r[7] ?? ""
            row.source = r[8] ?? ""
            row.eventID = r[9] ?? ""
            row.eventSeq = Self.int64(r[10])
            return row
        }
    }

    func targetNames() throws(PGError) -> [String] {
        try session.query("SELECT DISTINCT target FROM deliveries").compactMap { $0[0] }
    }

    // MARK: - Statistics

    /// From the counters (`PGCounters`), summed over the routers that wrote them: a few thousand rows
    /// whatever the database holds. The window starts at the minute of `since` (the counters' grain).
    /// Both tables are read on one snapshot: a commit that moved deliveries to `delivered` and counted
    /// their attempts must not show one without the other.
    func stats(since: Int64) throws(PGError) -> StoreQueries.StatsCounts {
        try session.snapshot { () throws(PGError) in try counts(since: since) }
    }

    private func counts(since: Int64) throws(PGError) -> StoreQueries.StatsCounts {
        var c = StoreQueries.StatsCounts()
        let minute = String(since / 60_000)
        for r in try session.query("""
            SELECT source, target, status, sum(n), sum(n) FILTER (WHERE minute >= $1) FROM stat_counts GROUP BY 1, 2, 3
            """, [minute]) {
            let source = r[0] ?? "", target = r[1] ?? "", status = r[2] ?? ""
            let all = Int(Self.int64(r[3])), window = Int(Self.int64(r[4]))
            if target.isEmpty {
                if all != 0 { c.events[source, default: 0] += all }
                if window != 0 { c.eventsInWindow[source, default: 0] += window }
                continue
            }
            if all != 0 { c.deliveries[.init(name: target, status: status), default: 0] += all }
            if window != 0 {
                c.deliveriesInWindow[.init(name: target, status: status), default: 0] += window
                c.sourceDeliveriesInWindow[.init(name: source, status: status), default: 0] += window
            }
        }
        for r in try session.query("SELECT target, sum(attempts), sum(ok) FROM stat_attempts WHERE minute >= $1 GROUP BY 1", [minute]) {
            guard Self.int64(r[1]) != 0 else { continue }
            c.attemptsInWindow[r[0] ?? ""] = Int(Self.int64(r[1]))
            c.deliveredAttemptsInWindow[r[0] ?? ""] = Int(Self.int64(r[2]))
        }
        return c
    }

    func minutes(since: Int64) throws(PGError) -> [Int64: StoreQueries.Minute] {
        var out: [Int64: StoreQueries.Minute] = [:]
        let window = [String(since / 60_000)]
        for r in try session.query("""
            SELECT minute, sum(n) FILTER (WHERE target = ''), sum(n) FILTER (WHERE target != '') FROM stat_counts WHERE minute >= $1 GROUP BY 1
            """, window) {
            out[Self.int64(r[0]), default: .init()].events = Int(Self.int64(r[1]))
            out[Self.int64(r[0]), default: .init()].deliveries = Int(Self.int64(r[2]))
        }
        for r in try session.query("SELECT minute, sum(attempts) - sum(ok) FROM stat_attempts WHERE minute >= $1 GROUP BY 1", window) {
            out[Self.int64(r[0]), default: .init()].failed = Int(Self.int64(r[1]))
        }
        return out
    }

    // MARK: - Replay

    /// Pending and due now, free for any router, the retry budget restarting from the attempts made.
    /// NOTIFY wakes every router's engine (the first free one takes it).
    private static let requeue = """
        UPDATE deliveries SET status = 'pending', next_attempt_ms = $2, updated_ms = $2, attempt_base = attempts,
               lease_owner = NULL, lease_until_ms = NULL
        """

    func replay(ids: [Int64], force: Bool, now: Timestamp) throws(PGError) -> StoreQueries.ReplayResult {
        try session.transaction { () throws(PGError) in
            var result = StoreQueries.ReplayResult()
            var status: [Int64: String] = [:]
            var counters = PGCounters()
            let takes = Set(StoreQueries.replayable(force: force).map(\.rawValue))
            for r in try session.query("""
                SELECT d.id, d.status, d.target, e.source, e.received_ms FROM deliveries d JOIN events e ON e.seq = d.event_seq
                WHERE d.id = ANY($1::bigint[]) ORDER BY d.id FOR UPDATE OF d
                """, [PGArray.ints(ids)]) {
                status[Self.int64(r[0])] = r[1] ?? ""
                if takes.contains(r[1] ?? "") {
                    counters.moved(receivedMilliseconds: Self.int64(r[4]), source: r[3] ?? "", target: r[2] ?? "", from: r[1] ?? "", to: DeliveryStatus.pending.rawValue)
                }
            }
            for id in ids {
                switch status[id] {
                case nil: result.unknown.append(id)
                case DeliveryStatus.pending.rawValue?: result.alreadyPending.append(id)
                case let s? where takes.contains(s): result.replayed.append(id)
                default: result.refusedDelivered.append(id)
                }
            }
            if !result.replayed.isEmpty {
                try session.query(Self.requeue + " WHERE id = ANY($1::bigint[])", [PGArray.ints(result.replayed), String(now.milliseconds)])
                try counters.write(to: session, router: Self.counterName)
                try session.query("NOTIFY \(PGSchema.workChannel)")
            }
            return result
        }
    }

    func replay(status: DeliveryStatus, target: String?, now: Timestamp) throws(PGError) -> [Int64] {
        try session.transaction { () throws(PGError) in
            var counters = PGCounters()
            let ids = try session.query("""
                WITH r AS (\(Self.requeue) WHERE status = $1 AND ($3::text IS NULL OR target = $3) RETURNING id, target, event_seq)
                SELECT r.id, r.target, e.source, e.received_ms FROM r JOIN events e ON e.seq = r.event_seq
                """, [status.rawValue, String(now.milliseconds), target]).map { r in
                counters.moved(receivedMilliseconds: Self.int64(r[3]), source: r[2] ?? "", target: r[1] ?? "", from: status.rawValue, to: DeliveryStatus.pending.rawValue)
                return Self.int64(r[0])
            }
            if !ids.isEmpty {
                try counters.write(to: session, router: Self.counterName)
                try session.query("NOTIFY \(PGSchema.workChannel)")
            }
            return ids.sorted()
        }
    }

    // MARK: - Events

    /// The event of `seq`, opened when sealed; nil when gone or unreadable.
    func event(seq: Int64) -> StoredEvent? {
        guard let codec, let r = try? session.query("SELECT \(PGDeliverySource.eventColumns) FROM events WHERE seq = $1", [String(seq)]).first,
              case .success(let e) = PGDeliverySource.event(r, codec: codec) else { return nil }
        return e
    }

    private static func attemptRow(_ r: [String?]) -> StoreQueries.AttemptRow {
        StoreQueries.AttemptRow(deliveryID: int64(r[0]), attempt: Int(int64(r[1])), startedMilliseconds: int64(r[2]),
                                durationMilliseconds: r[3].flatMap { Int64($0) }, statusCode: r[4].flatMap { Int($0) },
                                response: r[5].flatMap(PGBytea.decode) ?? [], error: r[6])
    }

    private static func int64(_ text: String?) -> Int64 { text.flatMap { Int64($0) } ?? 0 }

    /// Whose counter rows replays change (the admin API's and the CLI's alike).
    static let counterName = "replay"
}
