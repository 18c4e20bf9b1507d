/// `stat_plans` (schema 7): events and planned deliveries counted per minute of receipt, source and
/// target (target '' counts the events themselves), kept by whoever adds or removes events — the
/// writer's batch and the retention purge, in the same transaction as the rows — so the statistics
/// read a few thousand counter rows instead of every event's key (3 s per 1.5 M events before).
/// Changes are collected per transaction and written at its end: a batch adds a couple of rows' worth.
final class PlanCounters {
    struct Key: Hashable {
        let minute: Int64
        let source: String
        let target: String
    }

    private var changes: [Key: Int] = [:]
    /// A run of events with one minute, source and plan (most of a writer's or a purge's batch), added up
    /// here and counted once: parsing the plan and two lookups of three-part keys per event were most of
    /// the writer's hashing.
    private var run: (minute: Int64, source: String, plan: String, events: Int)?
    private let upsert: SQLiteStatement
    private let dropZero: SQLiteStatement

    init(db: SQLiteDatabase) throws(SQLiteError) {
        upsert = try db.prepare("""
            INSERT INTO stat_plans (minute, source, target, n) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (minute, source, target) DO UPDATE SET n = n + excluded.n
            """)
        dropZero = try db.prepare("DELETE FROM stat_plans WHERE minute = ?1 AND source = ?2 AND target = ?3 AND n = 0")
    }

    /// An event received at `receivedMilliseconds` whose deliveries are `plan` (`event_keys.planned`):
    /// a new one, or with `sign` -1 one that goes.
    func count(receivedMilliseconds: Int64, source: String, plan: String, sign: Int = 1) {
        let minute = receivedMilliseconds / 60_000
        if run?.minute == minute, run?.source == source, run?.plan == plan {
            run?.events += sign
            return
        }
        endRun()
        run = (minute, source, plan, sign)
    }

    private func endRun() {
        guard let r = run else { return }
        run = nil
        changes[Key(minute: r.minute, source: r.source, target: ""), default: 0] += r.events
        for t in StoreCodec.planTargets(r.plan) { changes[Key(minute: r.minute, source: r.source, target: t), default: 0] += r.events }
    }

    /// Forgets the changes of a transaction that did not commit.
    func discard() {
        run = nil
        changes.removeAll(keepingCapacity: true)
    }

    /// Writes the changes inside the caller's transaction (counters that reach zero go).
    func write() throws(SQLiteError) {
        endRun()
        defer { changes.removeAll(keepingCapacity: true) }
        for (k, n) in changes where n != 0 {
            for s in [upsert, dropZero] {
                s.bind(1, k.minute)
                s.bind(2, k.source)
                s.bind(3, k.target)
            }
            upsert.bind(4, n)
            try upsert.run()
            if n < 0 { try dropZero.run() }
        }
    }
}
