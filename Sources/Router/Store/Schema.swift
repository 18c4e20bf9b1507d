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
        // events table is copied once: this migration needs free disk about the size of the events. Its
        // time index now holds the source too, so counting events per source reads no event row.
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
        CREATE INDEX events_received ON events (received_ms, source);
        CREATE TABLE dedup_keys (
            seq INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            event_id TEXT NOT NULL,
            stored_ms INTEGER NOT NULL
        );
        INSERT INTO dedup_keys SELECT seq, source, event_id, received_ms FROM events;
        """,
        // 6: deliveries derived from the event. An event's (route, target) list is written once, in its
        // narrow `event_keys` row; delivery k of event seq is `seq * 100000 + k`. A delivery gets a row
        // of its own (`delivery_rows`) only when its state is worth keeping: a failed attempt, a replay,
        // a dead letter, an orphan, or a backlog the engine does not hold in memory. `settled_seq` says
        // that every delivery of an event up to it without a row was delivered at its first attempt;
        // one after it without a row is pending (unless `delivered_above` lists it: it was delivered
        // while an older one held the cursor back). The view `deliveries` shows both, as the table did.
        """
        ALTER TABLE dedup_keys RENAME TO event_keys;
        ALTER TABLE event_keys ADD COLUMN planned TEXT NOT NULL DEFAULT '';
        ALTER TABLE deliveries RENAME TO delivery_rows;
        CREATE TABLE delivery_state (one INTEGER PRIMARY KEY CHECK (one = 1), settled_seq INTEGER NOT NULL,
                                     delivered_above TEXT NOT NULL DEFAULT '[]');
        INSERT INTO delivery_state (one, settled_seq) VALUES (1, (SELECT coalesce(max(seq), 0) FROM events));
        CREATE VIEW deliveries AS
          SELECT id, event_seq, route, target, status, attempts, next_attempt_ms, created_ms, updated_ms, last_status, last_error,
                 attempt_base, 1 AS kept
          FROM delivery_rows
          UNION ALL
          SELECT k.seq * 100000 + j.key, k.seq, j.value ->> 0, j.value ->> 1,
                 CASE WHEN k.seq <= s.settled_seq OR k.seq * 100000 + j.key IN (SELECT value FROM json_each(s.delivered_above))
                      THEN 'delivered' ELSE 'pending' END,
                 CASE WHEN k.seq <= s.settled_seq OR k.seq * 100000 + j.key IN (SELECT value FROM json_each(s.delivered_above))
                      THEN 1 ELSE 0 END,
                 e.received_ms, e.received_ms, e.received_ms, NULL, NULL, 0, 0
          FROM event_keys k JOIN json_each(k.planned) j JOIN events e ON e.seq = k.seq JOIN delivery_state s
          WHERE k.planned != '' AND NOT EXISTS (SELECT 1 FROM delivery_rows r WHERE r.id = k.seq * 100000 + j.key);
        """,
        // 7: counters of events and planned deliveries per minute of receipt, source and target (target ''
        // counts events), kept by the writer and the purge (`PlanCounters`), so statistics no longer read
        // every event's key. Filled once here from what the store holds.
        """
        CREATE TABLE stat_plans (
            minute INTEGER NOT NULL,
            source TEXT NOT NULL,
            target TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (minute, source, target)
        ) WITHOUT ROWID;
        INSERT INTO stat_plans SELECT received_ms / 60000, source, '', count(*) FROM events GROUP BY 1, 2;
        INSERT INTO stat_plans
          SELECT e.received_ms / 60000, k.source, j.value ->> 1, count(*)
          FROM event_keys k JOIN json_each(k.planned) j JOIN events e ON e.seq = k.seq
          WHERE k.planned != '' GROUP BY 1, 2, 3;
        """,
        // 8: bodies in the body log (`BodyLog`). A new event's headers, attributes and body are written
        // once, to `DATA/bodies/NNNNNNNN.log`; its row keeps empty blobs and the record's place. Rows
        // written before keep their blobs (log_segment NULL). `log_segments` counts each segment's events
        // (retention removes a segment once none is left) and says how far the log is indexed: the
        // writer's connection runs with synchronous=NORMAL, and at start the records after `indexed_to`
        // of the last segment are indexed again (a commit a power cut took; the log was flushed first).
        """
        ALTER TABLE events ADD COLUMN log_segment INTEGER;
        ALTER TABLE events ADD COLUMN log_offset INTEGER;
        ALTER TABLE events ADD COLUMN log_length INTEGER;
        CREATE TABLE log_segments (segment INTEGER PRIMARY KEY, events INTEGER NOT NULL, indexed_to INTEGER NOT NULL);
        """,
    ]

    /// Delivery ids of one event: `seq * idsPerEvent + k` for its k-th (route, target) pair.
    static let idsPerEvent: Int64 = 100_000

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
