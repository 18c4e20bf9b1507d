/// The PostgreSQL store's statistics counters (schema v3): events and deliveries by status per minute
/// of their event's receipt, source and target (`stat_counts`; target and status '' count events),
/// and attempts per minute started and target (`stat_attempts`). Whoever changes rows changes them in
/// the same transaction — the writer (inserts, attempts), replays, the purge — each under its own
/// name (`router`), so routers never wait on each other's counter rows; a count is the sum over
/// routers. Changes are collected here and written with one statement per table.
struct PGCounters {
    private struct Key: Hashable {
        let minute: Int64, source: String, target: String, status: String
    }

    private struct AttemptKey: Hashable {
        let minute: Int64, target: String
    }

    private var counts: [Key: Int64] = [:]
    private var attempts: [AttemptKey: (all: Int64, ok: Int64)] = [:]

    var isEmpty: Bool { counts.isEmpty && attempts.isEmpty }

    mutating func event(receivedMilliseconds: Int64, source: String, sign: Int64 = 1) {
        counts[Key(minute: receivedMilliseconds / 60_000, source: source, target: "", status: ""), default: 0] += sign
    }

    mutating func delivery(receivedMilliseconds: Int64, source: String, target: String, status: String, sign: Int64 = 1) {
        counts[Key(minute: receivedMilliseconds / 60_000, source: source, target: target, status: status), default: 0] += sign
    }

    /// A delivery's status changed from `old` to `new` (nothing when they are the same).
    mutating func moved(receivedMilliseconds: Int64, source: String, target: String, from old: String, to new: String) {
        guard old != new else { return }
        delivery(receivedMilliseconds: receivedMilliseconds, source: source, target: target, status: old, sign: -1)
        delivery(receivedMilliseconds: receivedMilliseconds, source: source, target: target, status: new)
    }

    mutating func attempt(startedMilliseconds: Int64, target: String, all: Int64 = 1, ok: Int64) {
        let key = AttemptKey(minute: startedMilliseconds / 60_000, target: target)
        let seen = attempts[key] ?? (0, 0)
        attempts[key] = (seen.all + all, seen.ok + ok)
    }

    /// Writes the changes inside the caller's transaction, under `router`.
    func write(to db: some PGQuerying, router: String) throws(PGError) {
        let changed = counts.filter { $0.value != 0 }
        if !changed.isEmpty {
            var c = Columns(count: changed.count)
            for (k, n) in changed {
                c.int(0, k.minute); c.text(1, k.source); c.text(2, k.target); c.text(3, k.status); c.int(4, n)
            }
            try db.query("""
                INSERT INTO stat_counts (router, minute, source, target, status, n)
                SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[])
                ON CONFLICT (router, minute, source, target, status) DO UPDATE SET n = stat_counts.n + excluded.n
                """, [router] + c.parameters)
        }
        if !attempts.isEmpty {
            var a = Columns(count: attempts.count)
            for (k, n) in attempts {
                a.int(0, k.minute); a.text(1, k.target); a.int(2, n.all); a.int(3, n.ok)
            }
            try db.query("""
                INSERT INTO stat_attempts (router, minute, target, attempts, ok)
                SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::bigint[])
                ON CONFLICT (router, minute, target) DO UPDATE SET attempts = stat_attempts.attempts + excluded.attempts, ok = stat_attempts.ok + excluded.ok
                """, [router] + a.parameters)
        }
    }
}
