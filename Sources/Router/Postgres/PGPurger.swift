import Synchronization

/// Retention on the PostgreSQL store (the rules of `Purger` on SQLite): an event received before the
/// cutoff whose deliveries are all finished and unchanged since goes with its deliveries and attempts
/// (ON DELETE CASCADE); attempt rows started before the cutoff go; a purged event's key is kept in
/// `purged_keys` while the dedup window wants it. Each batch is one short transaction on the
/// retention thread's own connection, under an advisory lock: with several routers one purges, the
/// others find the lock taken and wait for their next pass.
final class PGPurger: Purging {
    private let session: Mutex<PGSession>

    init(url: String) {
        session = Mutex(PGSession(url: url))
    }

    /// Never nil: the retention thread stops on its own flag.
    func purge(_ cutoffs: PurgeCutoffs, limit: Int) -> PurgeResult? {
        let events = String(cutoffs.events), keys = String(cutoffs.keys), batch = String(limit)
        do {
            return try session.withLock { session throws(PGError) in
                try session.transaction { () throws(PGError) -> PurgeResult in
                    var result = PurgeResult()
                    guard try session.query("SELECT pg_try_advisory_xact_lock($1)", [String(PGSchema.purgeLockKey)]).first?.first == "t" else { return result }
                    let gone = try session.query("""
                        WITH old AS (
                            SELECT e.seq, e.source, e.event_id, e.received_ms FROM events e
                            WHERE e.received_ms < $1
                              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq AND (d.status = 'pending' OR d.updated_ms >= $1))
                            ORDER BY e.received_ms LIMIT $3 FOR UPDATE SKIP LOCKED),
                        kept AS (INSERT INTO purged_keys (source, event_id, stored_ms)
                                 SELECT source, event_id, received_ms FROM old WHERE received_ms >= $2 ON CONFLICT DO NOTHING RETURNING 1),
                        deleted AS (DELETE FROM events WHERE seq IN (SELECT seq FROM old) RETURNING 1)
                        SELECT (SELECT count(*) FROM deleted), (SELECT count(*) FROM kept)
                        """, [events, keys, batch])
                    result.events = Int(gone.first?[0] ?? "0") ?? 0
                    // Keys of purged events past the window go at once; the kept ones count when they go.
                    let attempts = try session.query("""
                        WITH gone AS (DELETE FROM attempts WHERE ctid IN (SELECT ctid FROM attempts WHERE started_ms < $1 LIMIT $2) RETURNING 1)
                        SELECT count(*) FROM gone
                        """, [events, batch])
                    result.attempts = Int(attempts.first?[0] ?? "0") ?? 0
                    let oldKeys = try session.query("""
                        WITH gone AS (DELETE FROM purged_keys WHERE ctid IN (SELECT ctid FROM purged_keys WHERE stored_ms < $1 LIMIT $2) RETURNING 1)
                        SELECT count(*) FROM gone
                        """, [keys, batch])
                    result.keys = (Int(oldKeys.first?[0] ?? "0") ?? 0) + result.events - (Int(gone.first?[1] ?? "0") ?? 0)
                    result.more = result.events == limit || result.attempts == limit || (Int(oldKeys.first?[0] ?? "0") ?? 0) == limit
                    return result
                }
            }
        } catch {
            Log.error("retention cannot purge the PostgreSQL store; trying again at its next pass", ["error": error.description])
            return PurgeResult()
        }
    }
}
