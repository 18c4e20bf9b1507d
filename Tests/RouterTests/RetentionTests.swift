import Foundation
import Testing
@testable import Router
@testable import Rules

/// The retention thread against a real store.
struct RetentionTests {
    /// A store with five finished events received an hour ago, and a connection of the test's own to it.
    func storeWithOldEvents() throws -> (store: SQLiteEventStore, db: SQLiteDatabase) {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        let old = WallClock.now().milliseconds - 3_600_000
        for i in 0..<5 { _ = submitAndWait(store, sampleEvent("old-\(i)", receivedAt: Timestamp(milliseconds: old)).with(deliveries: [])) }
        return (store, try SQLiteDatabase(path: dir + "/hookrouter.db"))
    }

    func table(retention: String) throws -> RouteTable {
        try compileTable("settings: { retention: \(retention) }\nsources:\n  in: { adapter: none, path: /in }\n")
    }

    /// The events left once `db` holds none, or 3 s have passed.
    func eventsLeft(_ db: SQLiteDatabase) throws -> Int64 {
        var left: Int64 = try db.scalar("SELECT count(*) FROM events")
        for _ in 0..<30 where left > 0 {
            Thread.sleep(forTimeInterval: 0.1)
            left = try db.scalar("SELECT count(*) FROM events")
        }
        return left
    }

    /// A batch SQLite refuses (as a full disk or an I/O error would) ends the pass, not the thread: the
    /// next pass purges once the store takes writes again.
    @Test func aFailedPurgeIsTriedAgainAtTheNextPass() throws {
        let (store, db) = try storeWithOldEvents()
        try db.execute("CREATE TRIGGER refuse BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
        let retention = Retention(store: store, config: LiveConfig(try table(retention: "1s")))
        retention.start()
        defer {
            retention.stop()
            store.close()
        }
        Thread.sleep(forTimeInterval: 0.6)  // a pass at start and one or two more, every 250 ms
        #expect(try db.scalar("SELECT count(*) FROM events") == 5, "the trigger refused the purge")
        try db.execute("DROP TRIGGER refuse")
        #expect(try eventsLeft(db) == 0, "retention went on after a failed batch")
    }

    /// A reload that shortens the retention is purged within a second or two, not after the interval
    /// the old retention set (a quarter of it, up to a minute): lowering it is how an operator makes room
    /// on a disk the store is filling.
    @Test func aShorterRetentionTakesEffectWithoutWaitingForTheOldInterval() throws {
        let (store, db) = try storeWithOldEvents()
        let config = LiveConfig(try table(retention: "2h"))
        let retention = Retention(store: store, config: config)
        retention.start()
        defer {
            retention.stop()
            store.close()
        }
        Thread.sleep(forTimeInterval: 0.3)  // the pass at start found nothing older than 2 h; the next is a minute away
        #expect(try db.scalar("SELECT count(*) FROM events") == 5)
        config.swap(try table(retention: "1s"))
        #expect(try eventsLeft(db) == 0, "purged within 3 s of the reload")
    }
}
