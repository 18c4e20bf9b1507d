/// The PostgreSQL store's schema, versioned like the SQLite one: `hookrouter_schema.version` says
/// which steps ran. Several routers may start at once against one database: each migration runs in
/// a transaction holding an advisory lock, so exactly one applies it.
enum PGSchema {
    /// Any number, the same for every router: the advisory lock migrations hold.
    static let lockKey = 7_305_141_202_612
    /// The channel new and replayed deliveries are announced on: every router's engine listens.
    static let workChannel = "hookrouter_work"
    /// The advisory lock a purge batch holds: one router purges at a time, the others skip their turn.
    static let purgeLockKey = lockKey + 1

    static let migrations: [String] = [
        // 1: events (dedup is global: one (source, event_id) in the database, whichever router
        // received it), deliveries with a lease (the router holding a delivery until `lease_until_ms`,
        // so another takes it over only when its holder died), attempts.
        """
        CREATE TABLE events (
            seq BIGSERIAL PRIMARY KEY,
            source TEXT NOT NULL,
            event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            time_ms BIGINT NOT NULL,
            received_ms BIGINT NOT NULL,
            content_type TEXT NOT NULL,
            headers BYTEA NOT NULL,
            attributes BYTEA NOT NULL,
            body BYTEA NOT NULL,
            sealed BOOLEAN NOT NULL DEFAULT false,
            UNIQUE (source, event_id)
        );
        CREATE INDEX events_received ON events (received_ms);
        CREATE TABLE deliveries (
            id BIGSERIAL PRIMARY KEY,
            event_seq BIGINT NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
            route TEXT NOT NULL,
            target TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            attempt_base INTEGER NOT NULL DEFAULT 0,
            next_attempt_ms BIGINT NOT NULL,
            created_ms BIGINT NOT NULL,
            updated_ms BIGINT NOT NULL,
            last_status INTEGER,
            last_error TEXT,
            lease_owner TEXT,
            lease_until_ms BIGINT
        );
        CREATE INDEX deliveries_due ON deliveries (next_attempt_ms) WHERE status = 'pending';
        CREATE INDEX deliveries_event ON deliveries (event_seq);
        CREATE TABLE attempts (
            delivery_id BIGINT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
            attempt INTEGER NOT NULL,
            started_ms BIGINT NOT NULL,
            duration_ms BIGINT NOT NULL,
            status INTEGER,
            response BYTEA,
            error TEXT,
            PRIMARY KEY (delivery_id, attempt)
        );
        CREATE INDEX attempts_started ON attempts (started_ms);
        """,
        // 2: the dedup keys of purged events the dedup window still wants (retention shorter than the
        // window): an insert checks them besides the events' own unique key.
        """
        CREATE TABLE purged_keys (
            source TEXT NOT NULL,
            event_id TEXT NOT NULL,
            stored_ms BIGINT NOT NULL,
            PRIMARY KEY (source, event_id)
        );
        CREATE INDEX purged_keys_stored ON purged_keys (stored_ms);
        """,
        // 3: statistics counters (`PGCounters`), one set of rows per router that writes them, filled
        // once here (under router '') from what the database holds.
        """
        CREATE TABLE stat_counts (
            router TEXT NOT NULL,
            minute BIGINT NOT NULL,
            source TEXT NOT NULL,
            target TEXT NOT NULL,
            status TEXT NOT NULL,
            n BIGINT NOT NULL,
            PRIMARY KEY (router, minute, source, target, status)
        );
        CREATE TABLE stat_attempts (
            router TEXT NOT NULL,
            minute BIGINT NOT NULL,
            target TEXT NOT NULL,
            attempts BIGINT NOT NULL,
            ok BIGINT NOT NULL,
            PRIMARY KEY (router, minute, target)
        );
        INSERT INTO stat_counts SELECT '', received_ms / 60000, source, '', '', count(*) FROM events GROUP BY 2, 3;
        INSERT INTO stat_counts SELECT '', e.received_ms / 60000, e.source, d.target, d.status, count(*)
          FROM deliveries d JOIN events e ON e.seq = d.event_seq GROUP BY 2, 3, 4, 5;
        INSERT INTO stat_attempts SELECT '', a.started_ms / 60000, d.target, count(*), count(*) FILTER (WHERE a.status BETWEEN 200 AND 299)
          FROM attempts a JOIN deliveries d ON d.id = a.delivery_id GROUP BY 2, 3;
        """,
    ]

    static var version: Int { migrations.count }

    /// Brings the database to `version`; refuses one written by a newer hookrouter.
    static func migrate(_ db: PGConnection) throws(PGError) {
        try db.execute("BEGIN")
        do throws(PGError) {
            // The lock first: even CREATE TABLE IF NOT EXISTS races with itself across sessions.
            try db.query("SELECT pg_advisory_xact_lock($1)", [String(lockKey)])
            try db.execute("CREATE TABLE IF NOT EXISTS hookrouter_schema (version INTEGER NOT NULL)")
            let rows = try db.query("SELECT version FROM hookrouter_schema")
            let current = rows.first.flatMap { $0.first ?? nil }.flatMap { Int($0) } ?? 0
            if rows.isEmpty { try db.execute("INSERT INTO hookrouter_schema (version) VALUES (0)") }
            guard current <= version else {
                throw PGError.unavailable("the database at \(db.target) has schema \(current), newer than this hookrouter's \(version); run the newer version")
            }
            for step in current..<version {
                try db.execute(migrations[step])
                try db.query("UPDATE hookrouter_schema SET version = $1", [String(step + 1)])
            }
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}
