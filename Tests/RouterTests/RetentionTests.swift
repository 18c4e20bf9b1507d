import Foundation
import Testing
@testable import Router
@testable import Rules

/// The retention thread against a real store.
struct RetentionTests {
    /// A batch SQLite refuses (as a full disk or an I/O error would) ends the pass, not the thread: the
    /// next pass purges once the store takes writes again.
    @Test func aFailedPurgeIsTriedAgainAtTheNextPass() throws {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        let old = WallClock.now().milliseconds - 3_600_000
        for i in 0..<5 { _ = submitAndWait(store, sampleEvent("old-\(i)", receivedAt: Timestamp(milliseconds: old)).with(deliveries: [])) }
        let db = try SQLiteDatabase(path: dir + "/hookrouter.db")
        try db.execute("CREATE TRIGGER refuse BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
        let table = try compileTable("settings: { retention: 1s }\nsources:\n  in: { adapter: none, path: /in }\n")
        let retention = Retention(store: store, config: LiveConfig(table))
        retention.start()
        defer {
            retention.stop()
            store.close()
        }
        Thread.sleep(forTimeInterval: 0.6)  // a pass at start and one or two more, every 250 ms
        #expect(try db.scalar("SELECT count(*) FROM events") == 5, "the trigger refused the purge")
        try db.execute("DROP TRIGGER refuse")
        var left: Int64 = 5
        for _ in 0..<50 where left > 0 {
            Thread.sleep(forTimeInterval: 0.1)
            left = try db.scalar("SELECT count(*) FROM events")
        }
        #expect(left == 0, "retention went on after a failed batch")
    }
}

extension RetentionTests {
    /// A reload that shortens the retention is purged within a second or two, not after the interval
    /// the old retention set (a quarter of it, up to a minute): lowering it is how an operator frees a
    /// disk the store filled.
    @Test func aShorterRetentionTakesEffectWithoutWaitingForTheOldInterval() throws {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        let old = WallClock.now().milliseconds - 3_600_000
        for i in 0..<5 { _ = submitAndWait(store, sampleEvent("old-\(i)", receivedAt: Timestamp(milliseconds: old)).with(deliveries: [])) }
        let sources = "sources:\n  in: { adapter: none, path: /in }\n"
        let config = LiveConfig(try compileTable("settings: { retention: 2h }\n" + sources))
        let retention = Retention(store: store, config: config)
        retention.start()
        defer {
            retention.stop()
            store.close()
        }
        let db = try SQLiteDatabase(path: dir + "/hookrouter.db")
        Thread.sleep(forTimeInterval: 0.3)  // the pass at start found nothing older than 2 h; the next is a minute away
        #expect(try db.scalar("SELECT count(*) FROM events") == 5)
        config.swap(try compileTable("settings: { retention: 1s }\n" + sources))
        var left: Int64 = 5
        for _ in 0..<30 where left > 0 {
            Thread.sleep(forTimeInterval: 0.1)
            left = try db.scalar("SELECT count(*) FROM events")
        }
        #expect(left == 0, "purged within 3 s of the reload")
    }
}
