/// The store's schema, versioned with `PRAGMA user_version`: each migration runs once, in order,
/// in its own transaction, so an old database is brought up to date at start.
enum Schema {
    static let migrations: [String] = [
        // 1: events keep the raw body byte-exact; (source, event_id) is the dedup key. Deliveries are
        // rows of their own so the delivery engine can update them; due ones are found by a partial index.
        """
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            time_ms INTEGER NOT NULL,
            received_ms INTEGER NOT NULL,
            content_type TEXT NOT NULL,
            headers BLOB NOT NULL,
            attributes BLOB NOT NULL,
            body BLOB NOT NULL,
            sealed INTEGER NOT NULL DEFAULT 0,
            UNIQUE (source, event_id)
        );
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            event_seq INTEGER NOT NULL,
            route TEXT NOT NULL,
            target TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_ms INTEGER NOT NULL,
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            last_status INTEGER,
            last_error TEXT
        );
        CREATE INDEX deliveries_due ON deliveries (next_attempt_ms) WHERE status = 'pending';
        CREATE TABLE attempts (
            delivery_id INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            started_ms INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            status INTEGER,
            response BLOB,
            error TEXT,
            PRIMARY KEY (delivery_id, attempt)
        ) WITHOUT ROWID;
        """,
        // 2: a replay restarts the retry budget but keeps counting attempts (attempt rows are never
        // overwritten): the engine's retry decision counts `attempts - attempt_base`.
        """
        ALTER TABLE deliveries ADD COLUMN attempt_base INTEGER NOT NULL DEFAULT 0;
        """,
        // 3: retention and the admin API's windows: old events and attempts are found by time, an
        // event's deliveries by its seq (the purge deletes them together), a target's by name.
        """
        CREATE INDEX events_received ON events (received_ms);
        CREATE INDEX deliveries_event ON deliveries (event_seq);
        CREATE INDEX deliveries_target ON deliveries (target, id);
        CREATE INDEX attempts_started ON attempts (started_ms);
        """,
        // 4: due work is found per target, so one target's backlog never hides another's retries.
        """
        DROP INDEX deliveries_due;
        CREATE INDEX deliveries_due ON deliveries (target, next_attempt_ms) WHERE status = 'pending';
        """,
        // 5: dedup leaves the B-tree. Random provider ids (Shopify's UUIDs) dirtied a random leaf of the
        // UNIQUE (source, event_id) index per event, at a cost that grew with the store; the writer now
        // checks fingerprints in memory (`DedupIndex`) and appends each key to `dedup_keys`, the narrow
        // table they are rebuilt from at start (with the time each was stored: the window counts from
        // there). SQLite cannot drop a UNIQUE constraint in place, so the
        // events table is copied once: this migration needs free disk about the size of the events.
        """
        CREATE TABLE events_v5 (
            seq INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            time_ms INTEGER NOT NULL,
            received_ms INTEGER NOT NULL,
            content_type TEXT NOT NULL,
            headers BLOB NOT NULL,
            attributes BLOB NOT NULL,
            body BLOB NOT NULL,
            sealed INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO events_v5 SELECT seq, source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed FROM events;
        DROP TABLE events;
        ALTER TABLE events_v5 RENAME TO events;
        CREATE INDEX events_received ON events (received_ms);
        CREATE TABLE dedup_keys (
            seq INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            event_id TEXT NOT NULL,
            stored_ms INTEGER NOT NULL
        );
        INSERT INTO dedup_keys SELECT seq, source, event_id, received_ms FROM events;
        """,
    ]

    static var currentVersion: Int64 { Int64(migrations.count) }

    /// Applies what is missing; refuses a database written by a newer hookrouter.
    static func migrate(_ db: SQLiteDatabase) throws(SQLiteError) {
        let version = try db.scalar("PRAGMA user_version")
        guard version <= currentVersion else {
            throw SQLiteError(code: 0, message: "the database at \(db.path) has schema version \(version), newer than this hookrouter understands (\(currentVersion)); run a newer hookrouter")
        }
        for v in Int(version)..<migrations.count {
            try db.execute("BEGIN IMMEDIATE")
            do {
                try db.execute(migrations[v])
                try db.execute("PRAGMA user_version = \(v + 1)")
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        }
    }
}
