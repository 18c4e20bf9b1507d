import Testing
@testable import Router
@testable import Rules

/// The CLI's queries on a real store file: listing, replay by id and by status, migration 2.
struct StoreQueriesTests {
    /// A store with one event (deliveries 1 → accounting, 2 → warehouse), closed; the writer's work is on disk.
    func storeWithOneEvent() throws -> String {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        guard case .stored = submitAndWait(store, sampleEvent("q-1")) else { throw QueriesTestError.notStored }
        store.close()
        return dir
    }

    enum QueriesTestError: Error { case notStored }

    @Test func replayByIdSortsEveryIdIntoWhatHappened() throws {
        let dir = try storeWithOneEvent()
        let q = try StoreQueries(directory: dir, writable: true)
        try q.db.execute("UPDATE deliveries SET status = 'dead', attempts = 3 WHERE id = 1")
        try q.db.execute("UPDATE deliveries SET status = 'delivered', attempts = 1 WHERE id = 2")
        let now = Timestamp(milliseconds: 1_800_000_000_000)
        let result = try q.replay(ids: [1, 2, 42], force: false, now: now)
        #expect(result == StoreQueries.ReplayResult(replayed: [1], alreadyPending: [], refusedDelivered: [2], unknown: [42]))
        #expect(try q.db.scalar("SELECT count(*) FROM deliveries WHERE id = 1 AND status = 'pending' AND attempts = 3 AND attempt_base = 3 AND next_attempt_ms = 1800000000000") == 1)
        #expect(try q.db.scalar("SELECT count(*) FROM deliveries WHERE id = 2 AND status = 'delivered'") == 1)

        let again = try q.replay(ids: [1, 2], force: true, now: now)
        #expect(again.alreadyPending == [1])
        #expect(again.replayed == [2])
        #expect(try q.db.scalar("SELECT attempt_base FROM deliveries WHERE id = 2") == 1)
    }

    @Test func replayByStatusTakesOnlyThatStatusAndTarget() throws {
        let dir = try storeWithOneEvent()
        let q = try StoreQueries(directory: dir, writable: true)
        try q.db.execute("UPDATE deliveries SET status = 'dead'")
        #expect(try q.replay(status: .orphaned, target: nil, now: Timestamp(seconds: 1)).isEmpty)
        #expect(try q.replay(status: .dead, target: "warehouse", now: Timestamp(seconds: 1)) == [2])
        #expect(try q.replay(status: .dead, target: nil, now: Timestamp(seconds: 1)) == [1])
        #expect(try q.db.scalar("SELECT count(*) FROM deliveries WHERE status = 'pending'") == 2)
    }

    @Test func listsNewestFirstWithTheLastAttemptAndNoBody() throws {
        let dir = try storeWithOneEvent()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        store.record((1...2).map { attempt in
            AttemptRecord(deliveryID: 1, attempt: attempt, startedAt: Timestamp(milliseconds: Int64(1000 * attempt)),
                          durationMilliseconds: 7, statusCode: 500 + attempt, response: Array("busy".utf8), error: nil,
                          newStatus: attempt == 2 ? .dead : .pending, nextAttemptAt: nil, logged: true, forgetAfterCommit: true)
        })
        store.close()
        let q = try StoreQueries(directory: dir, writable: false)
        let all = try q.deliveries(StoreQueries.Filter())
        #expect(all.map(\.id) == [2, 1])
        let dead = try q.deliveries(StoreQueries.Filter(status: .dead))
        #expect(dead.count == 1)
        let row = try #require(dead.first)
        #expect((row.target, row.source, row.eventID, row.type, row.attempts) == ("accounting", "fiscal", "q-1", "nfe_importada", 2))
        #expect(row.lastStatusCode == 502)
        #expect(row.lastAttemptMilliseconds == 2000)
        #expect(row.nextAttemptMilliseconds == nil)
        #expect(try q.deliveries(StoreQueries.Filter(eventID: "other")).isEmpty)
        #expect(try q.deliveries(StoreQueries.Filter(limit: 1)).map(\.id) == [2])
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
        #expect(try StoreQueries(directory: dir, writable: false).deliveries(StoreQueries.Filter()).count == 1, "listing needs no migration")
        let q = try StoreQueries(directory: dir, writable: true)
        #expect(try q.db.scalar("PRAGMA user_version") == Schema.currentVersion)
        #expect(try q.replay(ids: [1], force: false, now: Timestamp(seconds: 5)).replayed == [1])
        let reader = try DeliveryReader(path: dir + "/" + SQLiteEventStore.fileName, codec: StoreCodec(key: nil))
        let due = try reader.dueDeliveries(target: "t", by: 5000, limit: 10)
        #expect(due.map(\.attemptBase) == [8])
        #expect(due.first?.attemptInBudget(9) == 1)
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
            var e = sampleEvent("backlog-\(i)")
            e.deliveries = [PlannedDelivery(route: "a", target: "down")]
            _ = submitAndWait(store, e)
        }
        var late = sampleEvent("late")
        late.deliveries = [PlannedDelivery(route: "b", target: "healthy"), PlannedDelivery(route: "c", target: "removed")]
        _ = submitAndWait(store, late)
        store.close()
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
