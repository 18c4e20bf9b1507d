import Synchronization

/// Retention on the PostgreSQL store (the rules of `Purger` on SQLite): an event received before the
/// cutoff whose deliveries are all finished and unchanged since goes with its deliveries and attempts
/// (ON DELETE CASCADE); attempt rows started before the cutoff go; a purged event's key is kept in
/// `purged_keys` while the dedup window wants it; the statistics counters lose what goes. Each batch
/// is one short transaction on the retention thread's own connection, under an advisory lock: with
/// several routers one purges, the others find the lock taken and wait for their next pass.
final class PGPurger: Purging {
    private let session: Mutex<PGSession>

    init(url: String) {
        session = Mutex(PGSession(url: url))
    }

    /// Whose counter rows a purge changes.
    static let counterName = "retention"

    /// Never nil: the retention thread stops on its own flag.
    func purge(_ cutoffs: PurgeCutoffs, limit: Int) -> PurgeResult? {
        do {
            return try session.withLock { session throws(PGError) in
                try session.transaction { () throws(PGError) -> PurgeResult in
                    guard try session.query("SELECT pg_try_advisory_xact_lock($1)", [String(PGSchema.purgeLockKey)]).first?.first == "t" else {
                        return PurgeResult()
                    }
                    return try Self.batch(cutoffs, limit: limit, session: session)
                }
            }
        } catch {
            Log.error("retention cannot purge the PostgreSQL store; trying again at its next pass", ["error": error.description])
            return PurgeResult()
        }
    }

    private static func batch(_ cutoffs: PurgeCutoffs, limit: Int, session: PGSession) throws(PGError) -> PurgeResult {
        var result = PurgeResult()
        var counters = PGCounters()
        let events = String(cutoffs.events), keys = String(cutoffs.keys), batch = String(limit)
        let old = try session.query("""
            SELECT e.seq, e.source, e.received_ms FROM events e
            WHERE e.received_ms < $1
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq AND (d.status = 'pending' OR d.updated_ms >= $1))
            ORDER BY e.received_ms LIMIT $2 FOR UPDATE SKIP LOCKED
            """, [events, batch])
        let seqs = PGArray.ints(old.map { Int64($0[0] ?? "") ?? 0 })
        if !old.isEmpty {
            for r in old { counters.event(receivedMilliseconds: Int64(r[2] ?? "") ?? 0, source: r[1] ?? "", sign: -1) }
            for r in try session.query("""
                SELECT e.received_ms, e.source, d.target, d.status, count(*) FROM deliveries d JOIN events e ON e.seq = d.event_seq
                WHERE d.event_seq = ANY($1::bigint[]) GROUP BY 1, 2, 3, 4
                """, [seqs]) {
                counters.delivery(receivedMilliseconds: Int64(r[0] ?? "") ?? 0, source: r[1] ?? "", target: r[2] ?? "", status: r[3] ?? "",
                                  sign: -(Int64(r[4] ?? "") ?? 0))
            }
            for r in try session.query("""
                SELECT a.started_ms, d.target, count(*), count(*) FILTER (WHERE a.status BETWEEN 200 AND 299)
                FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.event_seq = ANY($1::bigint[]) GROUP BY 1, 2
                """, [seqs]) {
                counters.attempt(startedMilliseconds: Int64(r[0] ?? "") ?? 0, target: r[1] ?? "", all: -(Int64(r[2] ?? "") ?? 0), ok: -(Int64(r[3] ?? "") ?? 0))
            }
            let kept = try session.query("""
                WITH k AS (INSERT INTO purged_keys (source, event_id, stored_ms)
                           SELECT source, event_id, received_ms FROM events WHERE seq = ANY($1::bigint[]) AND received_ms >= $2
                           ON CONFLICT DO NOTHING RETURNING 1)
                SELECT count(*) FROM k
                """, [seqs, keys])
            try session.query("DELETE FROM events WHERE seq = ANY($1::bigint[])", [seqs])
            result.events = old.count
            // Keys of purged events past the window go at once; the kept ones count when they go.
            result.keys = result.events - (Int(kept.first?[0] ?? "0") ?? 0)
        }
        var oldAttempts = 0
        for r in try session.query("""
            WITH gone AS (DELETE FROM attempts WHERE ctid IN (SELECT ctid FROM attempts WHERE started_ms < $1 LIMIT $2)
                          RETURNING delivery_id, started_ms, status)
            SELECT g.started_ms, d.target, count(*), count(*) FILTER (WHERE g.status BETWEEN 200 AND 299)
            FROM gone g JOIN deliveries d ON d.id = g.delivery_id GROUP BY 1, 2
            """, [events, batch]) {
            let n = Int64(r[2] ?? "") ?? 0
            oldAttempts += Int(n)
            counters.attempt(startedMilliseconds: Int64(r[0] ?? "") ?? 0, target: r[1] ?? "", all: -n, ok: -(Int64(r[3] ?? "") ?? 0))
        }
        result.attempts = oldAttempts
        let oldKeys = try session.query("""
            WITH gone AS (DELETE FROM purged_keys WHERE ctid IN (SELECT ctid FROM purged_keys WHERE stored_ms < $1 LIMIT $2) RETURNING 1)
            SELECT count(*) FROM gone
            """, [keys, batch])
        let keysGone = Int(oldKeys.first?[0] ?? "0") ?? 0
        result.keys += keysGone
        try counters.write(to: session, router: counterName)
        // Minutes before the cutoff whose counters sum to nothing over every router are left over: they go.
        let minute = String(cutoffs.events / 60_000)
        try session.query("""
            DELETE FROM stat_counts WHERE minute < $1 AND (minute, source, target, status) IN
              (SELECT minute, source, target, status FROM stat_counts WHERE minute < $1 GROUP BY 1, 2, 3, 4 HAVING sum(n) = 0)
            """, [minute])
        try session.query("""
            DELETE FROM stat_attempts WHERE minute < $1 AND (minute, target) IN
              (SELECT minute, target FROM stat_attempts WHERE minute < $1 GROUP BY 1, 2 HAVING sum(attempts) = 0 AND sum(ok) = 0)
            """, [minute])
        result.more = result.events == limit || oldAttempts == limit || keysGone == limit
        return result
    }
}
