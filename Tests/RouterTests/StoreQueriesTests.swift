import Testing
@testable import Router
@testable import Rules

/// The CLI's queries on a real store file: listing, replay by id and by status, migration 2.
struct StoreQueriesTests {
    /// Event seq 1's deliveries: `a` → accounting, `b` → warehouse.
    let a = Schema.idsPerEvent, b = Schema.idsPerEvent + 1

    /// A store with one event whose two deliveries have pending rows, as a restart leaves deliveries
    /// the engine never settled (the store gives them rows when it opens); closed, on disk.
    func storeWithOneEvent() throws -> String {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        guard case .stored = submitAndWait(store, sampleEvent("q-1")) else { throw QueriesTestError.notStored }
        store.close()
        try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil)).close()
        return dir
    }

    enum QueriesTestError: Error { case notStored }

    @Test func replayByIdSortsEveryIdIntoWhatHappened() throws {
        let dir = try storeWithOneEvent()
        let q = try StoreQueries(directory: dir, writable: true)
        try q.db.execute("UPDATE delivery_rows SET status = 'dead', attempts = 3 WHERE id = \(a)")
        try q.db.execute("UPDATE delivery_rows SET status = 'delivered', attempts = 1 WHERE id = \(b)")
        let now = Timestamp(milliseconds: 1_800_000_000_000)
        let result = try q.replay(ids: [a, b, 42], force: false, now: now)
        #expect(result == StoreQueries.ReplayResult(replayed: [a], alreadyPending: [], refusedDelivered: [b], unknown: [42]))
        #expect(try q.db.scalar("SELECT count(*) FROM deliveries WHERE id = \(a) AND status = 'pending' AND attempts = 3 AND attempt_base = 3 AND next_attempt_ms = 1800000000000") == 1)
        #expect(try q.db.scalar("SELECT count(*) FROM deliveries WHERE id = \(b) AND status = 'delivered'") == 1)

        let again = try q.replay(ids: [a, b], force: true, now: now)
        #expect(again.alreadyPending == [a])
        #expect(again.replayed == [b])
        #expect(try q.db.scalar("SELECT attempt_base FROM deliveries WHERE id = \(b)") == 1)
    }

    @Test func replayByStatusTakesOnlyThatStatusAndTarget() throws {
        let dir = try storeWithOneEvent()
        let q = try StoreQueries(directory: dir, writable: true)
        try q.db.execute("UPDATE delivery_rows SET status = 'dead'")
        #expect(try q.replay(status: .orphaned, target: nil, now: Timestamp(seconds: 1)).isEmpty)
        #expect(try q.replay(status: .dead, target: "warehouse", now: Timestamp(seconds: 1)) == [b])
        #expect(try q.replay(status: .dead, target: nil, now: Timestamp(seconds: 1)) == [a])
        #expect(try q.db.scalar("SELECT count(*) FROM deliveries WHERE status = 'pending'") == 2)
    }

    @Test func listsNewestFirstWithTheLastAttemptAndNoBody() throws {
        let dir = try storeWithOneEvent()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        store.record((1...2).map { attempt in
            AttemptRecord(deliveryID: a, eventSeq: 1, route: "a", target: "accounting", createdMilliseconds: 0,
                          attempt: attempt, startedAt: Timestamp(milliseconds: Int64(1000 * attempt)),
                          durationMilliseconds: 7, statusCode: 500 + attempt, response: Array("busy".utf8), error: nil,
                          newStatus: attempt == 2 ? .dead : .pending, nextAttemptAt: nil, logged: true, forgetAfterCommit: true)
        }, settled: nil)
        store.close()
        let q = try StoreQueries(directory: dir, writable: false)
        let all = try q.deliveries(StoreQueries.Filter())
        #expect(all.map(\.id) == [b, a])
        let dead = try q.deliveries(StoreQueries.Filter(status: .dead))
        #expect(dead.count == 1)
        let row = try #require(dead.first)
        #expect((row.target, row.source, row.eventID, row.type, row.attempts) == ("accounting", "fiscal", "q-1", "nfe_importada", 2))
        #expect(row.lastStatusCode == 502)
        #expect(row.lastAttemptMilliseconds == 2000)
        #expect(row.nextAttemptMilliseconds == nil)
        #expect(try q.deliveries(StoreQueries.Filter(eventID: "other")).isEmpty)
        #expect(try q.deliveries(StoreQueries.Filter(limit: 1)).map(\.id) == [b])
        let json = DeliveriesCommand.json(row).serialized + DeliveriesCommand.text(all)
        #expect(!json.contains("s3cr3t-marker"))
        #expect(!json.contains("busy"), "responses are not listed")
    }

    @Test func aVersionOneStoreIsMigratedAndItsDeliveriesReplayable() throws {
        let dir = temporaryDirectory()
        let db = try SQLiteDatabase(path: dir + "/" + SQLiteEventStore.fileName)
        try db.execute(Schema.migrations[0])
        try db.execute("PRAGMA user_version = 1")
        try db.execute("INSERT INTO events VALUES (1, 'fiscal', 'old', 't', 0, 0, 'application/json', x'', x'', x'', 0)")
        try db.execute("INSERT INTO deliveries (event_seq, route, target, status, attempts, next_attempt_ms, created_ms, updated_ms) VALUES (1, 'r', 't', 'dead', 8, 0, 0, 0)")
        #expect(throws: StoreQueries.OpenError.self, "listing read-only needs the current schema") {
            try StoreQueries(directory: dir, writable: false)
        }
        let q = try StoreQueries(directory: dir, writable: true)
        #expect(try q.db.scalar("PRAGMA user_version") == Schema.currentVersion)
        #expect(try q.replay(ids: [1], force: false, now: Timestamp(seconds: 5)).replayed == [1])
        let reader = try DeliveryReader(path: dir + "/" + SQLiteEventStore.fileName, codec: StoreCodec(key: nil))
        let due = try reader.dueDeliveries(target: "t", by: 5000, limit: 10)
        #expect(due.map(\.attemptBase) == [8])
        #expect(due.first?.attemptInBudget(9) == 1)
    }

    /// Deliveries without rows: delivered up to the settled cursor, pending after it; listed, paged and
    /// replayed like the others.
    @Test func derivedDeliveriesAreListedAndReplayable() throws {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        guard case .stored(let first, _) = submitAndWait(store, sampleEvent("d-1")),
              case .stored(let second, _) = submitAndWait(store, sampleEvent("d-2")) else { Issue.record("not stored"); return }
        store.record([], settled: SettledState(through: first, deliveredAbove: []))  // the engine delivered d-1's two at once
        store.close()
        let q = try StoreQueries(directory: dir, writable: true)
        let ids = { (seq: Int64) in [seq * Schema.idsPerEvent + 1, seq * Schema.idsPerEvent] }
        let all = try q.deliveries(StoreQueries.Filter())
        #expect(all.map(\.id) == ids(second) + ids(first))
        #expect(all.map(\.status) == ["pending", "pending", "delivered", "delivered"])
        #expect(all.map(\.attempts) == [0, 0, 1, 1])
        #expect(all.allSatisfy { $0.lastStatusCode == nil && $0.lastAttemptMilliseconds == nil }, "a first attempt's details are not kept")
        #expect(try q.deliveries(StoreQueries.Filter(status: .delivered, target: "warehouse")).map(\.id) == [ids(first)[0]])
        #expect(try q.deliveries(StoreQueries.Filter(status: .pending)).map(\.eventID) == ["d-2", "d-2"])
        #expect(try q.deliveries(StoreQueries.Filter(limit: 1, beforeID: ids(second)[1])).map(\.id) == [ids(first)[0]], "the page cursor")
        #expect(try q.delivery(id: ids(first)[1])?.status == "delivered")
        #expect(try q.db.scalar("SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 2, "the view agrees")

        let now = Timestamp(milliseconds: 1_800_000_000_000)
        let refused = try q.replay(ids: ids(first) + ids(second), force: false, now: now)
        #expect(refused.refusedDelivered == ids(first) && refused.alreadyPending == ids(second))
        let forced = try q.replay(ids: [ids(first)[0]], force: true, now: now)
        #expect(forced.replayed == [ids(first)[0]])
        let row = try #require(try q.delivery(id: ids(first)[0]))
        #expect((row.status, row.attempts, row.nextAttemptMilliseconds) == ("pending", 1, now.milliseconds))
        #expect(try q.db.scalar("SELECT attempt_base FROM delivery_rows WHERE id = \(ids(first)[0])") == 1)
        #expect(try q.deliveries(StoreQueries.Filter()).count == 4, "the replayed one is listed once")
    }

    /// At a restart the deliveries the cursor had not passed get rows, except those the engine said it
    /// delivered already: those are not sent again.
    @Test func aRestartResendsOnlyWhatWasNotDelivered() throws {
        let dir = temporaryDirectory()
        var store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        guard case .stored(let first, _) = submitAndWait(store, sampleEvent("t-1")),
              case .stored(let second, _) = submitAndWait(store, sampleEvent("t-2")) else { Issue.record("not stored"); return }
        // t-1's deliveries are in flight (they hold the cursor); t-2's warehouse one was delivered.
        let delivered = second * Schema.idsPerEvent + 1
        store.record([], settled: SettledState(through: first - 1, deliveredAbove: [delivered]))
        store.close()
        let before = try StoreQueries(directory: dir, writable: false)
        #expect(try before.delivery(id: delivered)?.status == "delivered", "listed as delivered while the cursor is below it")
        #expect(try before.deliveries(StoreQueries.Filter(status: .delivered)).map(\.id) == [delivered])
        #expect(try before.deliveries(StoreQueries.Filter(status: .pending)).count == 3)
        #expect(try before.db.scalar("SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 1, "the view agrees")
        store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        store.close()
        let q = try StoreQueries(directory: dir, writable: false)
        let rows = try q.db.prepare("SELECT id FROM delivery_rows WHERE status = 'pending' ORDER BY id")
        var pending: [Int64] = []
        while try rows.step() { pending.append(rows.int64(0)) }
        #expect(pending == [first * Schema.idsPerEvent, first * Schema.idsPerEvent + 1, second * Schema.idsPerEvent])
        #expect(try q.settledSeq() == second)
        #expect(try q.delivery(id: delivered)?.status == "delivered")
    }

    /// Stats count derived deliveries by plan: delivered up to the cursor or listed above it, pending
    /// after it, and those with rows by their rows.
    @Test func statsCountDerivedDeliveries() throws {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        var seqs: [Int64] = []
        for i in 0..<3 {
            let e = sampleEvent("s-\(i)", receivedAt: WallClock.now())
            guard case .stored(let seq, _) = submitAndWait(store, e) else { Issue.record("not stored"); return }
            seqs.append(seq)
        }
        // s-0 settled (accounting and warehouse delivered); s-1's warehouse delivered above the cursor;
        // s-2's accounting failed once (a row, pending).
        store.record([AttemptRecord(deliveryID: seqs[2] * Schema.idsPerEvent, eventSeq: seqs[2], route: "a", target: "accounting",
                                    createdMilliseconds: 0, attempt: 1, startedAt: WallClock.now(), durationMilliseconds: 1, statusCode: 500,
                                    response: [], error: nil, newStatus: .pending, nextAttemptAt: WallClock.now().adding(milliseconds: 60_000),
                                    logged: true, forgetAfterCommit: true)],
                     settled: SettledState(through: seqs[0], deliveredAbove: [seqs[1] * Schema.idsPerEvent + 1]))
        store.close()
        let q = try StoreQueries(directory: dir, writable: false)
        let c = try q.stats(since: 0)
        typealias P = StoreQueries.StatsCounts.Pair
        #expect(c.deliveries[P(name: "accounting", status: "delivered")] == 1)
        #expect(c.deliveries[P(name: "accounting", status: "pending")] == 2)
        #expect(c.deliveries[P(name: "warehouse", status: "delivered")] == 2)
        #expect(c.deliveries[P(name: "warehouse", status: "pending")] == 1)
        #expect(c.deliveriesInWindow == c.deliveries, "all three were received in the window")
        #expect(c.sourceDeliveriesInWindow[P(name: "fiscal", status: "delivered")] == 3)
        #expect(c.attemptsInWindow["accounting"] == 2 && c.deliveredAttemptsInWindow["accounting"] == 1, "one unrecorded 2xx and the 500")
        #expect(c.events["fiscal"] == 3 && c.eventsInWindow["fiscal"] == 3)
        #expect(try q.db.scalar("SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 3, "the view agrees")
    }

    @Test func aMissingStoreIsNotCreated() {
        let dir = temporaryDirectory()
        #expect(throws: StoreQueries.OpenError.self) { try StoreQueries(directory: dir, writable: true) }
        #expect(!FileSystem.isRegularFile(dir + "/" + SQLiteEventStore.fileName))
    }
}

/// The engine finds due work per target, so a backlog at one target never hides another's.
struct DueScanTests {
    @Test func eachTargetsDueWorkIsFoundWhateverTheOthersHold() throws {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        for i in 0..<50 {
            let e = sampleEvent("backlog-\(i)").with(deliveries: [PlannedDelivery(route: "a", target: "down")])
            _ = submitAndWait(store, e)
        }
        let late = sampleEvent("late").with(deliveries: [PlannedDelivery(route: "b", target: "healthy"), PlannedDelivery(route: "c", target: "removed")])
        _ = submitAndWait(store, late)
        store.close()
        // What the engine never settled gets rows when the store opens again (a restart).
        try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil)).close()
        let reader = try DeliveryReader(path: dir + "/" + SQLiteEventStore.fileName, codec: StoreCodec(key: nil))
        let horizon = Timestamp(seconds: 1_795_000_002).milliseconds
        #expect(try reader.dueDeliveries(target: "down", by: horizon, limit: 10).count == 10)
        let healthy = try reader.dueDeliveries(target: "healthy", by: horizon, limit: 10)
        #expect(healthy.map(\.eventID) == ["late"])
        #expect(healthy.first?.source == "fiscal")
        #expect(try reader.dueDeliveries(target: "healthy", by: 0, limit: 10).isEmpty, "not due before its time")
        let orphans = try reader.deliveries(notTo: ["down", "healthy"], limit: 10)
        #expect(orphans.map(\.target) == ["removed"])
    }
}
