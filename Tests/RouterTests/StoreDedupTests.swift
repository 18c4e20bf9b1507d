import Testing
@testable import Router
@testable import Rules
#if canImport(Glibc)
import Glibc
#endif

/// Dedup on a real store file: across a restart, within one batch, by the window of its own.
struct StoreDedupTests {
    func event(_ id: String, source: String = "fiscal") -> StoredEvent {
        sampleEvent(id).with(source: source, receivedAt: WallClock.now(), deliveries: [])
    }

    @Test func aRestartStillRecognisesEveryId() throws {
        let dir = temporaryDirectory()
        var store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        for i in 0..<300 { guard case .stored = submitAndWait(store, event("r-\(i)")) else { Issue.record("r-\(i) not stored"); return } }
        store.close()
        store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        for i in 0..<300 {
            guard case .duplicate = submitAndWait(store, event("r-\(i)")) else { Issue.record("r-\(i) not recognised after a restart"); return }
        }
        guard case .stored = submitAndWait(store, event("r-0", source: "other")) else { Issue.record("another source's id is new"); return }
        store.close()
        let db = try SQLiteDatabase(path: dir + "/hookrouter.db")
        #expect(try db.scalar("SELECT count(*) FROM events") == 301)
        #expect(try db.scalar("SELECT count(*) FROM event_keys") == 301)
        #expect(try db.scalar("SELECT count(*) FROM events e JOIN event_keys k ON k.seq = e.seq AND k.source = e.source AND k.event_id = e.event_id") == 301)
    }

    /// Many submissions queued at once land in the same batch: the second of a pair must see the first.
    @Test func duplicatesInsideOneBatchAreCaught() throws {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        let outcomes = BlockingQueue<StoreOutcome>()
        for i in 0..<400 { store.submit(event("b-\(i / 2)")) { outcomes.push($0) } }
        var stored = 0, duplicates = 0
        while stored + duplicates < 400, let batch = outcomes.popBatch(max: 400) {
            for o in batch { if case .stored = o { stored += 1 } else if case .duplicate = o { duplicates += 1 } }
        }
        #expect(stored == 200 && duplicates == 200)
        store.close()
    }

    /// Past the window an id is a new event, whether its old event is still stored or not.
    @Test func anIdOlderThanTheWindowIsANewEvent() throws {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil), dedupWindow: { 200 })
        guard case .stored = submitAndWait(store, event("w-1")) else { Issue.record("not stored"); return }
        guard case .duplicate = submitAndWait(store, event("w-1")) else { Issue.record("inside the window it is a duplicate"); return }
        usleep(300_000)  // past 1.25 windows: the key's generation is gone
        guard case .stored = submitAndWait(store, event("w-1")) else { Issue.record("past the window it is new"); return }
        // A key stays while its event is kept; once both are past, it goes with the event. The newer
        // key, still in the window, outlives its purged event.
        let now = WallClock.now().milliseconds
        #expect(store.purge(PurgeCutoffs(events: 0, keys: now - 200), limit: 100)?.keys == 0)
        let purged = store.purge(PurgeCutoffs(events: now + 1000, keys: now - 200), limit: 100)
        #expect(purged?.events == 2)
        #expect(purged?.keys == 1)
        guard case .duplicate = submitAndWait(store, event("w-1")) else { Issue.record("the newer key is still in the window"); return }
        // Every event is gone, a key is not: the next event's seq (and so its delivery ids) must not
        // take the kept key's.
        guard case .stored(let seq, _) = submitAndWait(store, event("w-2")) else { Issue.record("a new event after the purge must be stored"); return }
        #expect(seq == 3)
        store.close()
        let db = try SQLiteDatabase(path: dir + "/hookrouter.db")
        #expect(try db.scalar("SELECT count(*) FROM events") == 1)
        #expect(try db.scalar("SELECT count(*) FROM event_keys") == 2)
    }

    /// Keys past the window are not loaded at start.
    @Test func theStartLoadsOnlyTheWindow() throws {
        let dir = temporaryDirectory()
        var store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        guard case .stored = submitAndWait(store, event("old")) else { Issue.record("not stored"); return }
        store.close()
        let db = try SQLiteDatabase(path: dir + "/hookrouter.db")
        try db.execute("UPDATE event_keys SET stored_ms = stored_ms - 10000")
        store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil), dedupWindow: { 5000 })
        guard case .stored = submitAndWait(store, event("old")) else { Issue.record("a key stored before the window must not be loaded"); return }
        guard case .duplicate = submitAndWait(store, event("old")) else { Issue.record("the new key is in the window"); return }
        store.close()
    }
}
