/// What one purge batch removed; `more` says another batch would find work now.
struct PurgeResult: Sendable, Equatable {
    var events = 0
    var attempts = 0
    var keys = 0
    var more = false
}

/// What a purge removes: events and attempts from before `events` (the retention), dedup keys
/// stored before `keys` (the dedup window), both wall-clock milliseconds.
struct PurgeCutoffs: Sendable {
    var events: Int64
    var keys: Int64
}

/// The purge statements, run by the store's writer thread between its batches (`.purge` jobs), each
/// batch in its own short transaction so ingest never waits behind a long delete.
///
/// What goes (`settings.retention`, SPEC §3): an event received before the cutoff whose deliveries
/// are all finished (delivered, dead or orphaned) and none of them changed since the cutoff — so a
/// dead letter stays replayable for a whole retention period after it died — with its deliveries and
/// their attempts; and any attempt row started before the cutoff (a long-pending delivery keeps its
/// state, not its old log). An event's `event_keys` row (its dedup key and plan) goes with it when
/// older than `settings.dedup_window`, or later, once the window lets it go: a key outlives its event
/// when the window is longer than the retention.
final class Purger {
    private let db: SQLiteDatabase
    private let oldEvents: SQLiteStatement
    private let deleteEventAttempts: SQLiteStatement
    private let deleteDeliveries: SQLiteStatement
    private let deleteEvents: SQLiteStatement
    private let deleteOldAttempts: SQLiteStatement
    private let deleteOldKeys: SQLiteStatement
    private let deleteEventKeys: SQLiteStatement
    private let dropPlans: SQLiteStatement
    private let counters: PlanCounters
    private let shrinkSegment: SQLiteStatement
    private let emptySegments: SQLiteStatement
    private let dropEmptySegments: SQLiteStatement
    /// Body log segments the last purge left without events; the writer removes their files once that
    /// purge is durable.
    private(set) var emptied: [Int64] = []

    init(db: SQLiteDatabase, counters: PlanCounters) throws(SQLiteError) {
        self.db = db
        self.counters = counters
        // An event after the settled cursor may have deliveries without rows that are still pending.
        // Its receipt, source and plan come along: the counters lose what the event takes with it.
        oldEvents = try db.prepare("""
            SELECT seq, received_ms, source, coalesce((SELECT planned FROM event_keys k WHERE k.seq = e.seq), ''), log_segment
            FROM events e WHERE received_ms < ?1
              AND (seq <= (SELECT settled_seq FROM delivery_state) OR NOT EXISTS (SELECT 1 FROM event_keys k WHERE k.seq = e.seq AND k.planned != ''))
              AND NOT EXISTS (SELECT 1 FROM delivery_rows d WHERE d.event_seq = e.seq AND (d.status = 'pending' OR d.updated_ms >= ?1))
            ORDER BY received_ms LIMIT ?2
            """)
        // A batch's events go in one statement per table, their seqs bound as one JSON array: a statement
        // per event and table cost more than the deletes themselves.
        let batch = "SELECT value FROM json_each(?1)"
        deleteEventAttempts = try db.prepare("DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM delivery_rows WHERE event_seq IN (\(batch)))")
        deleteDeliveries = try db.prepare("DELETE FROM delivery_rows WHERE event_seq IN (\(batch))")
        deleteEvents = try db.prepare("DELETE FROM events WHERE seq IN (\(batch))")
        deleteEventKeys = try db.prepare("DELETE FROM event_keys WHERE seq IN (\(batch)) AND stored_ms < ?2")
        dropPlans = try db.prepare("UPDATE event_keys SET planned = '' WHERE seq IN (\(batch)) AND planned != ''")
        shrinkSegment = try db.prepare("UPDATE log_segments SET events = events - ?2 WHERE segment = ?1")
        emptySegments = try db.prepare("SELECT segment FROM log_segments WHERE events <= 0 AND segment < ?1")
        dropEmptySegments = try db.prepare("DELETE FROM log_segments WHERE events <= 0 AND segment < ?1")
        deleteOldAttempts = try db.prepare("""
            DELETE FROM attempts WHERE (delivery_id, attempt) IN
              (SELECT delivery_id, attempt FROM attempts WHERE started_ms < ?1 LIMIT ?2)
            """)
        // A key outlives its event when the dedup window is longer than the retention: those go once the
        // window lets them, from the front of the table (keys are appended in seq order) up to the
        // oldest event still kept.
        deleteOldKeys = try db.prepare("""
            DELETE FROM event_keys WHERE seq IN (SELECT seq FROM event_keys WHERE stored_ms < ?1
              AND seq < (SELECT coalesce(min(seq), 9223372036854775807) FROM events) ORDER BY seq LIMIT ?2)
            """)
    }

    /// Removes at most `limit` events (with their deliveries and attempts), `limit` old attempt rows
    /// and `limit` dedup keys. Segments of the body log before `openSegment` (the one being written)
    /// left without events are listed in `emptied`.
    func purge(_ cutoffs: PurgeCutoffs, limit: Int, openSegment: Int64) throws(SQLiteError) -> PurgeResult {
        let cutoff = cutoffs.events
        var result = PurgeResult()
        emptied = []
        try db.execute("BEGIN IMMEDIATE")
        do {
            var seqs: [Int64] = []
            var perSegment: [Int64: Int] = [:]
            oldEvents.bind(1, cutoff)
            oldEvents.bind(2, limit)
            while try oldEvents.step() {
                seqs.append(oldEvents.int64(0))
                if !oldEvents.isNull(4) { perSegment[oldEvents.int64(4), default: 0] += 1 }
                counters.count(receivedMilliseconds: oldEvents.int64(1), source: oldEvents.string(2),
                               targets: StoreCodec.planTargets(oldEvents.string(3)), sign: -1)
            }
            oldEvents.reset()
            if !seqs.isEmpty {
                let list = StoreCodec.jsonArray(seqs)
                deleteEventAttempts.bind(1, list)
                try deleteEventAttempts.run()
                result.attempts += db.changes
                deleteDeliveries.bind(1, list)
                try deleteDeliveries.run()
                deleteEvents.bind(1, list)
                try deleteEvents.run()
                // Their keys and plans go with them, unless the dedup window still wants a key: then
                // its plan goes, so no count or listing sees the deliveries of a purged event.
                deleteEventKeys.bind(1, list)
                deleteEventKeys.bind(2, cutoffs.keys)
                try deleteEventKeys.run()
                result.keys += db.changes
                dropPlans.bind(1, list)
                try dropPlans.run()
            }
            result.events = seqs.count
            for (segment, n) in perSegment {
                shrinkSegment.bind(1, segment)
                shrinkSegment.bind(2, n)
                try shrinkSegment.run()
            }
            emptySegments.bind(1, openSegment)
            while try emptySegments.step() { emptied.append(emptySegments.int64(0)) }
            emptySegments.reset()
            dropEmptySegments.bind(1, openSegment)
            try dropEmptySegments.run()
            deleteOldAttempts.bind(1, cutoff)
            deleteOldAttempts.bind(2, limit)
            try deleteOldAttempts.run()
            let old = db.changes
            result.attempts += old
            deleteOldKeys.bind(1, cutoffs.keys)
            deleteOldKeys.bind(2, limit)
            try deleteOldKeys.run()
            let oldKeys = db.changes
            result.keys += oldKeys
            try counters.write()
            try db.execute("COMMIT")
            result.more = seqs.count == limit || old == limit || oldKeys == limit
        } catch {
            try? db.execute("ROLLBACK")
            counters.discard()
            emptied = []
            throw error
        }
        return result
    }
}

/// A store retention can purge: SQLite's through its writer, PostgreSQL's on a connection of its own.
protocol Purging: Sendable {
    /// One batch of at most `limit` of each; nil when the store is closing.
    func purge(_ cutoffs: PurgeCutoffs, limit: Int) -> PurgeResult?
}

extension SQLiteEventStore: Purging {}

/// Purges what `settings.retention` lets go, in small batches, without holding ingest up: one batch (`batch` events and as many old attempts) per writer turn, a pause
/// between batches, a pass at start and every `interval(retention)`. Reads the retention from the live table, so
/// a reload changes it.
final class Retention: Sendable {
    /// A batch holds the writer (ingest waits behind it): 500 events took the purge's p99 to ~13–15 ms
    /// against ~3 ms without it; 100 with 10 ms pauses, 5–7 ms at about the same purge rate (BENCHMARKS.md).
    static let batch = 100
    /// Between the batches of a pass that finds more to purge: short, so the purge outruns any ingest
    /// rate the router sustains (a batch still waits for the writer's turn). 10 ms capped it at ~8,500
    /// events/s, and the store of a router taking 18–22 k events/s grew without bound whatever the retention.
    static let pauseMilliseconds: Int64 = 1

    private let store: any Purging
    private let config: LiveConfig
    private let thread = StoppableThread()

    init(store: any Purging, config: LiveConfig) {
        self.store = store
        self.config = config
    }

    /// How often a pass runs: a quarter of the retention, between 250 ms and a minute.
    static func interval(_ retention: Int64) -> Int64 { min(max(retention / 4, 250), 60_000) }

    func start() {
        let retention = self
        thread.start(name: "retention") { retention.run() }
    }

    /// Stops between batches and returns when the thread is done; call before closing the store.
    func stop() { thread.stop() }

    /// A pass at start (a server that was down catches up at once), then one per interval.
    private func run() {
        repeat {
            var total = PurgeResult()
            while !thread.stopping {
                let now = WallClock.now().milliseconds, settings = config.table.settings
                let cutoffs = PurgeCutoffs(events: now - settings.retentionMilliseconds, keys: now - settings.dedupWindowMilliseconds)
                guard let result = store.purge(cutoffs, limit: Self.batch) else { return }
                total.events += result.events
                total.attempts += result.attempts
                total.keys += result.keys
                guard result.more, thread.sleep(Self.pauseMilliseconds) else { break }
            }
            if total.events > 0 || total.attempts > 0 || total.keys > 0 {
                Log.info("retention purged old events, attempts and dedup keys",
                         ["events": String(total.events), "attempts": String(total.attempts), "dedup_keys": String(total.keys),
                                                                      "retention_ms": String(config.table.settings.retentionMilliseconds)])
            }
        } while thread.sleep(Self.interval(config.table.settings.retentionMilliseconds))
    }

}
