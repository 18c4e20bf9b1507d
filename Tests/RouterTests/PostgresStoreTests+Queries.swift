import Rules
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Router

/// The PostgreSQL store's batched writer, admin queries, retention, leases and wake-ups, against the
/// real server (in the serialized suite: the outage test stops the server).
extension PostgresStoreTests {
    func attempt(_ d: NewDelivery, _ n: Int, status: Int?, becomes: DeliveryStatus, next: Timestamp? = nil, forget: Bool = true) -> AttemptRecord {
        AttemptRecord(deliveryID: d.id, eventSeq: d.eventSeq, route: d.route, target: d.target, createdMilliseconds: 0, attempt: n,
                      startedAt: WallClock.now(), durationMilliseconds: 3, statusCode: status, response: Array("answer \(n)".utf8),
                      error: status == nil ? "refused" : nil, newStatus: becomes, nextAttemptAt: next, logged: true, forgetAfterCommit: forget)
    }

    @Test func oneBatchStoresEachKeyOnceInOrderWithAnyBytes() throws {
        let db = try freshDatabase("hr_batch")
        let store = try PostgresEventStore(url: db, codec: StoreCodec(key: nil), owner: "a")
        defer { store.close() }
        // Submitted without waiting, so they share batches; ids with quotes, backslashes and braces,
        // bodies with NUL and invalid UTF-8, and each id twice in a row (a provider's quick retry).
        let ids = (0..<300).map { "ev-\($0)-\"q\"\\{,}" }
        let outcomes = Mutex<[Int: [StoreOutcome]]>([:])
        let done = BlockingQueue<Int>()
        for (i, id) in ids.enumerated() {
            let e = event(id, deliveries: [PlannedDelivery(route: "r", target: "t1"), PlannedDelivery(route: "r", target: "t2")])
                .with(body: [0, 0xFF, 0xFE, UInt8(i & 0xFF), 0x5C, 0x22])
            for _ in 0..<2 { store.submit(e) { o in outcomes.withLock { $0[i, default: []].append(o) }; done.push(i) } }
        }
        var answered = 0
        while answered < 600, let got = done.popBatch(max: 600) { answered += got.count }
        var seqs: [Int64] = []
        var deliveryIDs = Set<Int64>()
        for i in ids.indices {
            let o = outcomes.withLock { $0[i] ?? [] }
            let stored = o.compactMap { if case .stored(let seq, let d) = $0 { return (seq, d) }; return nil }
            #expect(stored.count == 1 && o.count == 2, "event \(i): \(o)")
            guard let (seq, made) = stored.first else { continue }
            seqs.append(seq)
            #expect(made.map(\.target) == ["t1", "t2"] && made.allSatisfy { $0.eventSeq == seq })
            deliveryIDs.formUnion(made.map(\.id))
        }
        #expect(seqs == seqs.sorted() && Set(seqs).count == 300, "seqs follow submission order")
        #expect(deliveryIDs.count == 600)
        let source = PGDeliverySource(url: db, owner: "a", codec: StoreCodec(key: nil))
        let loaded = source.load(seqs: [seqs[7]])
        guard case .success(let e)? = loaded[seqs[7]] else { Issue.record("not loaded: \(loaded)"); return }
        #expect(e.eventID == ids[7] && e.body == [0, 0xFF, 0xFE, 7, 0x5C, 0x22] && e.headers == [HTTPField("x-a", "1")])
    }

    @Test func queriesListReplayCountAndLog() throws {
        let db = try freshDatabase("hr_queries")
        let store = try PostgresEventStore(url: db, codec: StoreCodec(key: nil), owner: "a")
        var made: [NewDelivery] = []
        for i in 0..<3 { if case .stored(_, let d) = submit(store, event("q-\(i)")) { made += d } }
        #expect(made.count == 3)
        store.record([attempt(made[0], 1, status: 500, becomes: .pending, next: Timestamp(milliseconds: WallClock.now().milliseconds + 60_000), forget: false),
                      attempt(made[0], 2, status: nil, becomes: .dead),
                      attempt(made[1], 1, status: 200, becomes: .delivered)], settled: nil)
        store.close()
        let q = PGStoreQueries(url: db)
        try q.open()
        var filter = StoreQueries.Filter()
        filter.status = .dead
        let dead = try q.deliveries(filter)
        #expect(dead.map(\.id) == [made[0].id] && dead[0].attempts == 2 && dead[0].lastError == "refused" && dead[0].eventID == "q-0")
        #expect(try q.deliveries(StoreQueries.Filter()).map(\.id) == made.map(\.id).reversed(), "newest first")
        #expect(try q.attempts(of: made[0].id).map(\.attempt) == [1, 2])
        #expect(try q.targetLog(target: "t", after: nil, limit: 10).count == 3)
        let c = try q.stats(since: 0)
        #expect(c.events == ["fiscal": 3])
        #expect(c.deliveries[.init(name: "t", status: "dead")] == 1 && c.deliveries[.init(name: "t", status: "delivered")] == 1
                && c.deliveries[.init(name: "t", status: "pending")] == 1)
        #expect(c.attemptsInWindow["t"] == 3 && c.deliveredAttemptsInWindow["t"] == 1)
        #expect(try q.minutes(since: 0).values.reduce(0) { $0 + $1.failed } == 2)

        let r = try q.replay(ids: [made[0].id, made[1].id, made[2].id, 999_999], force: false, now: WallClock.now())
        #expect(r.replayed == [made[0].id] && r.refusedDelivered == [made[1].id] && r.alreadyPending == [made[2].id] && r.unknown == [999_999])
        let row = try PGConnection(url: db).query("SELECT status, attempt_base, lease_owner FROM deliveries WHERE id = $1", [String(made[0].id)])
        #expect(row == [["pending", "2", nil]], "pending, a fresh budget after its 2 attempts, free for any router")
        #expect(try q.replay(ids: [made[1].id], force: true, now: WallClock.now()).replayed == [made[1].id])
        #expect(try q.replay(status: .dead, target: nil, now: WallClock.now()).isEmpty)
    }

    @Test func retentionPurgesFinishedEventsAndKeepsKeysForTheWindow() throws {
        let db = try freshDatabase("hr_purge")
        let window = Mutex<Int64>(3_600_000)
        let store = try PostgresEventStore(url: db, codec: StoreCodec(key: nil), owner: "a", dedupWindow: { window.withLock { $0 } })
        defer { store.close() }
        var made: [NewDelivery] = []
        for id in ["done", "waiting"] { if case .stored(_, let d) = submit(store, event(id)) { made += d } }
        store.record([attempt(made[0], 1, status: 200, becomes: .delivered)], settled: nil)
        _ = submit(store, event("flush"))  // the record is written with this batch
        let purger = PGPurger(url: db)
        let later = WallClock.now().milliseconds + 1_000
        let result = purger.purge(PurgeCutoffs(events: later, keys: later - 3_600_000), limit: 100)
        #expect(result?.events == 1, "done is finished; waiting has a pending delivery; flush has one too")
        let c = try PGConnection(url: db)
        #expect(Set(try c.query("SELECT event_id FROM events").compactMap { $0[0] }) == ["waiting", "flush"])
        #expect(try c.query("SELECT event_id FROM purged_keys") == [["done"]])
        if case .duplicate = submit(store, event("done")) {} else { Issue.record("a purged event's key still inside the window is a duplicate") }
        window.withLock { $0 = 0 }
        if case .stored = submit(store, event("done")) {} else { Issue.record("past the window the id is new again") }
        _ = purger.purge(PurgeCutoffs(events: 0, keys: later), limit: 100)
        #expect(try c.query("SELECT count(*) FROM purged_keys") == [["0"]], "keys past the window go")
    }

    @Test func leasesHoldWhileRenewedAndPassOnWhenTheHolderStops() throws {
        let db = try freshDatabase("hr_leases")
        let store = try PostgresEventStore(url: db, codec: StoreCodec(key: nil), owner: "a")
        guard case .stored(_, let made) = submit(store, event("l-1")) else { Issue.record("not stored"); return }
        store.close()
        let id = made[0].id
        let c = try PGConnection(url: db)
        try c.query("UPDATE deliveries SET lease_until_ms = $1", [String(WallClock.now().milliseconds + 400)])
        let a = PGDeliverySource(url: db, owner: "a", codec: StoreCodec(key: nil), leaseMilliseconds: 400)
        let b = PGDeliverySource(url: db, owner: "b", codec: StoreCodec(key: nil), leaseMilliseconds: 400)
        let horizon = WallClock.now().milliseconds + 10_000
        #expect(try b.dueDeliveries(target: "t", by: horizon, after: .start, limit: 10).isEmpty, "a holds it")
        for _ in 0..<6 {  // 600 ms: past the lease, renewed every 100 ms
            a.renewLeases([id], now: WallClock.now().milliseconds)
            usleep(100_000)
        }
        #expect(try b.dueDeliveries(target: "t", by: horizon, after: .start, limit: 10).isEmpty, "renewed: still a's")
        #expect(b.notHeld([id], now: WallClock.now().milliseconds) == [id])
        usleep(500_000)  // a stopped renewing (it died)
        #expect(try b.dueDeliveries(target: "t", by: horizon, after: .start, limit: 10).map(\.id) == [id], "taken over once expired")
        #expect(a.notHeld([id], now: WallClock.now().milliseconds) == [id], "and a, back, may not attempt it")
    }

    @Test func anotherRoutersAnnouncementWakesTheEngine() throws {
        let db = try freshDatabase("hr_listen")
        try PGSchema.migrate(try PGConnection(url: db))
        let wakes = Atomic<Int>(0)
        let listener = PGWorkListener(url: db, owner: "a") { wakes.add(1, ordering: .relaxed) }
        defer { listener.stop() }
        func waitFor(_ n: Int) -> Bool {
            for _ in 0..<50 where wakes.load(ordering: .relaxed) < n { usleep(20_000) }
            return wakes.load(ordering: .relaxed) >= n
        }
        #expect(waitFor(1), "one wake on connecting: work announced before it listened")
        let c = try PGConnection(url: db)
        try c.query("SELECT pg_notify($1, $2)", [PGSchema.workChannel, "a"])
        usleep(300_000)
        #expect(wakes.load(ordering: .relaxed) == 1, "its own router's announcement is not a wake")
        try c.query("SELECT pg_notify($1, $2)", [PGSchema.workChannel, "b"])
        #expect(waitFor(2), "another router's is")
    }
}

extension PostgresStoreTests {
    /// (source/target/status → n) from the counters and from the rows; attempts by target likewise.
    func counted(_ c: PGConnection) throws -> [[String: String]] {
        func map(_ rows: [[String?]]) -> [String: String] {
            Dictionary(uniqueKeysWithValues: rows.map { ($0[0] ?? "", $0[1] ?? "") })
        }
        return [
            map(try c.query("SELECT source || '/' || target || '/' || status, sum(n)::text FROM stat_counts GROUP BY 1 HAVING sum(n) != 0")),
            map(try c.query("""
                SELECT source || '//', count(*)::text FROM events GROUP BY 1
                UNION ALL SELECT e.source || '/' || d.target || '/' || d.status, count(*)::text FROM deliveries d JOIN events e ON e.seq = d.event_seq GROUP BY 1
                """)),
            map(try c.query("SELECT target, sum(attempts)::text || '/' || sum(ok)::text FROM stat_attempts GROUP BY 1 HAVING sum(attempts) != 0")),
            map(try c.query("""
                SELECT d.target, count(*)::text || '/' || (count(*) FILTER (WHERE a.status BETWEEN 200 AND 299))::text
                FROM attempts a JOIN deliveries d ON d.id = a.delivery_id GROUP BY 1
                """)),
        ]
    }

    @Test func countersSayWhatTheRowsSay() throws {
        let db = try freshDatabase("hr_counters")
        let store = try PostgresEventStore(url: db, codec: StoreCodec(key: nil), owner: "a")
        var made: [NewDelivery] = []
        for i in 0..<6 { if case .stored(_, let d) = submit(store, event("k-\(i)")) { made += d } }
        _ = submit(store, event("k-0"))  // a duplicate counts nothing
        let failed = attempt(made[0], 1, status: 500, becomes: .pending, next: WallClock.now(), forget: false)
        // The same attempt recorded twice (a takeover) counts once; a delivery dies, one is delivered.
        store.record([failed, failed, attempt(made[0], 2, status: 503, becomes: .dead), attempt(made[1], 1, status: 200, becomes: .delivered)],
                     settled: nil)
        _ = submit(store, event("flush"))
        let q = PGStoreQueries(url: db)
        #expect(try q.replay(ids: [made[0].id], force: false, now: WallClock.now()).replayed == [made[0].id])
        store.record([attempt(made[2], 1, status: nil, becomes: .dead)], settled: nil)
        _ = submit(store, event("flush-2"))
        #expect(try q.replay(status: .dead, target: nil, now: WallClock.now()) == [made[2].id])
        let c = try PGConnection(url: db)
        var (counters, rows) = (try counted(c)[0], try counted(c)[1])
        #expect(counters == rows, "deliveries")
        #expect(try counted(c)[2] == (try counted(c)[3]), "attempts")
        // A purge of everything finished takes its counts along.
        store.record([attempt(made[3], 1, status: 200, becomes: .delivered)], settled: nil)
        store.close()
        let later = WallClock.now().milliseconds + 1_000
        #expect((PGPurger(url: db).purge(PurgeCutoffs(events: later, keys: later), limit: 100)?.events ?? 0) >= 1)
        (counters, rows) = (try counted(c)[0], try counted(c)[1])
        #expect(counters == rows, "after a purge")
        #expect(try counted(c)[2] == (try counted(c)[3]), "attempts after a purge")
        #expect(try q.stats(since: 0).events["fiscal"] == Int(try c.query("SELECT count(*) FROM events")[0][0] ?? ""))
    }
}
