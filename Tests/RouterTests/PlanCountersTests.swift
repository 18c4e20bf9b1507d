import Testing
@testable import Router
@testable import Rules

/// `stat_plans` says what the rows say: after inserts (duplicates and events without deliveries
/// among them), a purge, and a migration from an older schema.
struct PlanCountersTests {
    /// (source or source/target, count) from the counters, and the same counted from the rows.
    func counted(_ db: SQLiteDatabase) throws -> (counters: [String: Int64], rows: [String: Int64]) {
        var counters: [String: Int64] = [:], rows: [String: Int64] = [:]
        let c = try db.prepare("SELECT source || '/' || target, sum(n) FROM stat_plans GROUP BY 1")
        while try c.step() { counters[c.string(0)] = c.int64(1) }
        let r = try db.prepare("""
            SELECT e.source || '/', count(*) FROM events e GROUP BY 1
            UNION ALL
            SELECT k.source || '/' || (j.value ->> 1), count(*) FROM event_keys k JOIN json_each(k.planned) j JOIN events e ON e.seq = k.seq
            WHERE k.planned != '' GROUP BY 1
            """)
        while try r.step() { rows[r.string(0)] = r.int64(1) }
        return (counters, rows)
    }

    @Test func countersMatchTheRowsThroughInsertsAndAPurge() throws {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        let old = WallClock.now().milliseconds - 3_600_000
        for i in 0..<40 {
            let base = sampleEvent("c-\(i)", receivedAt: Timestamp(milliseconds: i < 20 ? old + Int64(i) * 60_000 : WallClock.now().milliseconds))
            let e = base.with(source: i % 7 == 0 ? "odoo" : nil, deliveries: i % 5 == 0 ? [] : nil)
            _ = submitAndWait(store, e)
            if i % 3 == 0 { _ = submitAndWait(store, e) }  // a duplicate counts nothing
        }
        // Everything of the old half is delivered (the cursor past it): the purge takes those events.
        store.record([], settled: SettledState(through: 40, deliveredAbove: []))
        _ = submitAndWait(store, sampleEvent("flush"))
        let purged = store.purge(PurgeCutoffs(events: old + 20 * 60_000, keys: 0), limit: 1_000)
        #expect(purged?.events == 20)
        store.close()
        let q = try StoreQueries(directory: dir, writable: false)
        // The window (cut-off 0 here) keeps the purged events' keys, without their plans.
        #expect(try q.db.scalar("SELECT count(*) FROM event_keys WHERE seq NOT IN (SELECT seq FROM events)") == 20)
        #expect(try q.db.scalar("SELECT count(*) FROM event_keys WHERE planned != '' AND seq NOT IN (SELECT seq FROM events)") == 0)
        #expect(try q.db.scalar("SELECT count(*) FROM event_keys WHERE planned != ''") > 0, "the kept events' plans stay")
        let (counters, rows) = try counted(q.db)
        #expect(counters == rows)
        #expect(counters["fiscal/"] == 18 && counters["odoo/"] == 3, "\(counters)")
        let stats = try q.stats(since: 0)
        #expect(stats.events == ["fiscal": 18, "odoo": 3])
    }

    /// Submitted at once, events share the writer's batches, where runs of one minute, source and plan
    /// are added up before they are counted: runs broken by each of the three still count right.
    @Test func runsOfEventsInOneBatchCountAsTheirRows() throws {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        let old = WallClock.now().milliseconds - 3_600_000
        let done = BlockingQueue<StoreOutcome>()
        for i in 0..<120 {
            let minute = old + Int64(i / 10) * 60_000  // runs of ten per minute
            let e = sampleEvent("r-\(i)", receivedAt: Timestamp(milliseconds: minute))
                .with(source: (i / 4) % 3 == 0 ? "odoo" : nil, deliveries: (i / 6) % 4 == 0 ? [] : nil)
            store.submit(e) { done.push($0) }
        }
        var answered = 0
        while answered < 120, let some = done.popBatch(max: 120) { answered += some.count }
        store.close()
        let q = try StoreQueries(directory: dir, writable: false)
        // Per minute, source and target, as the counters keep them.
        func grouped(_ sql: String) throws -> [String: Int64] {
            var out: [String: Int64] = [:]
            let s = try q.db.prepare(sql)
            while try s.step() { out[s.string(0)] = s.int64(1) }
            return out
        }
        let counters = try grouped("SELECT minute || '/' || source || '/' || target, sum(n) FROM stat_plans GROUP BY 1")
        let rows = try grouped("""
            SELECT (e.received_ms / 60000) || '/' || e.source || '/', count(*) FROM events e GROUP BY 1
            UNION ALL
            SELECT (e.received_ms / 60000) || '/' || k.source || '/' || (j.value ->> 1), count(*)
            FROM event_keys k JOIN json_each(k.planned) j JOIN events e ON e.seq = k.seq WHERE k.planned != '' GROUP BY 1
            """)
        #expect(answered == 120)
        #expect(counters == rows)
        #expect(counters.count > 30, "minutes × sources × targets: \(counters.count)")
    }

    @Test func theMigrationCountsWhatAnOlderStoreHolds() throws {
        let dir = try StoreMigrationTests().fixtureStore("schema-v4.db")
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil), dedupWindow: { 1000 * 86_400_000 })
        store.close()
        let q = try StoreQueries(directory: dir, writable: false)
        let (counters, rows) = try counted(q.db)
        #expect(counters == rows && !counters.isEmpty)
    }
}
