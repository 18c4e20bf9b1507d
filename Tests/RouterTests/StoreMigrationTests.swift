import Testing
@testable import Router
@testable import Rules
#if canImport(Glibc)
import Glibc
#endif

/// A store written by an older hookrouter (the fixture's schema version) opens, migrates and keeps
/// every event, delivery, attempt and dedup key.
struct StoreMigrationTests {
    /// A copy of the fixture in a fresh directory, as `hookrouter.db`.
    func fixtureStore(_ name: String) throws -> String {
        let fixture = #filePath.split(separator: "/").dropLast().joined(separator: "/")
        let source = "/" + fixture + "/Fixtures/" + name
        let dir = temporaryDirectory()
        let from = try #require(fopen(source, "rb"))
        defer { fclose(from) }
        let to = try #require(fopen(dir + "/hookrouter.db", "wb"))
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, from)
            if n == 0 { break }
            fwrite(buffer, 1, n, to)
        }
        fclose(to)
        return dir
    }

    /// Opens the fixture (at schema `version`) with today's store, which migrates it; checks that an id
    /// stored before is still a duplicate and a new one gets seq 4 (the fixture holds three events).
    func migrated(_ fixture: String, version: Int64, knownID: String) throws -> String {
        let dir = try fixtureStore(fixture)
        let old = try SQLiteDatabase(path: dir + "/hookrouter.db", readOnly: true)
        #expect(try old.scalar("PRAGMA user_version") == version)
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil), dedupWindow: { 1000 * 86_400_000 })
        defer { store.close() }
        let again = sampleEvent(knownID, receivedAt: WallClock.now())
        if case .duplicate = submitAndWait(store, again) {} else { Issue.record("an id stored before the migration must be recognised") }
        let fresh = sampleEvent("e-new", receivedAt: WallClock.now())
        if case .stored(let seq, _) = submitAndWait(store, fresh) { #expect(seq == 4) } else { Issue.record("a new id must be stored") }
        return dir
    }

    @Test func aVersion4StoreMigratesWithEverythingKept() throws {
        let dir = try migrated("schema-v4.db", version: 4, knownID: "e-dead")

        let q = try StoreQueries(directory: dir, writable: false)
        #expect(try q.db.scalar("PRAGMA user_version") == Schema.currentVersion)
        let rows = try q.deliveries(StoreQueries.Filter())
        let byEvent = Dictionary(uniqueKeysWithValues: rows.filter { $0.eventID.hasPrefix("e-") && $0.eventID != "e-new" }.map { ($0.eventID, $0) })
        #expect(byEvent["e-delivered"]?.status == "delivered")
        #expect(byEvent["e-delivered"]?.lastStatusCode == 200)
        #expect(byEvent["e-dead"]?.status == "dead")
        #expect(byEvent["e-dead"]?.lastError == "no attempts left (1 made)")
        #expect(byEvent["e-pending"]?.status == "pending")
        #expect(byEvent["e-pending"]?.attempts == 1)
        #expect(try q.attempts(of: 2).map(\.statusCode) == [500])
        #expect(try q.db.scalar("SELECT count(*) FROM events") == 4)
        #expect(try q.db.scalar("SELECT count(*) FROM event_keys") == 4)
        // Old deliveries keep their rows and ids; the new event's are derived (pending, never attempted).
        #expect(try q.db.scalar("SELECT count(*) FROM delivery_rows") == 3)
        #expect(rows.filter { $0.eventID == "e-new" }.map(\.id) == [4 * Schema.idsPerEvent + 1, 4 * Schema.idsPerEvent])
        #expect(try q.settledSeq() == 3)
        // The bodies came across byte for byte.
        let reader = try DeliveryReader(path: dir + "/hookrouter.db", codec: StoreCodec(key: nil))
        let body = String(decoding: try reader.load(seq: 1).body, as: UTF8.self)
        #expect(body.contains(#""chave":"e-delivered""#))
        #expect(try q.db.scalar("SELECT count(*) FROM pragma_index_list('events') WHERE origin = 'u'") == 0)
        let check = try q.db.prepare("PRAGMA integrity_check")
        #expect(try check.step())
        #expect(check.string(0) == "ok")
    }

    /// A store written by main before the body log (schema 7, commit 2a6a953): its events keep their
    /// bodies in the rows and read from there; new ones go to the log; retention takes old ones
    /// without touching the log.
    @Test func aVersion7StoreMigratesAndKeepsItsBodiesInTheRows() throws {
        let dir = try migrated("schema-v7.db", version: 7, knownID: "e-delivered")

        let q = try StoreQueries(directory: dir, writable: false)
        #expect(try q.db.scalar("PRAGMA user_version") == Schema.currentVersion)
        #expect(try q.db.scalar("SELECT count(*) FROM events WHERE log_segment IS NULL AND length(body) > 0") == 3)
        #expect(try q.db.scalar("SELECT count(*) FROM events WHERE log_segment = 1 AND length(body) = 0") == 1)
        #expect(try q.db.scalar("SELECT events FROM log_segments WHERE segment = 1") == 1)
        let rows = try q.deliveries(StoreQueries.Filter())
        let statuses = { (id: String) in rows.filter { $0.eventID == id }.map(\.status) }
        #expect(statuses("e-delivered") == ["delivered"] && statuses("e-dead") == ["dead"] && statuses("e-pending") == ["pending"])
        #expect(statuses("e-new") == ["pending", "pending"])
        let reader = try DeliveryReader(path: dir + "/hookrouter.db", codec: StoreCodec(key: nil))
        #expect(String(decoding: try reader.load(seq: 1).body, as: UTF8.self).contains(#""chave":"e-delivered""#))
        #expect(try reader.load(seq: 4).eventID == "e-new")
        #expect(String(decoding: try reader.load(seq: 4).body, as: UTF8.self).contains("s3cr3t-marker"))

        // Retention takes the finished old events (their bodies go with their rows); the log is untouched.
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil), dedupWindow: { 1000 * 86_400_000 })
        #expect(store.purge(PurgeCutoffs(events: WallClock.now().milliseconds + 1, keys: 0), limit: 100)?.events == 2)
        store.close()
        #expect(try q.db.scalar("SELECT events FROM log_segments WHERE segment = 1") == 1)
        #expect(try reader.load(seq: 4).eventID == "e-new")
        let check = try q.db.prepare("PRAGMA integrity_check")
        #expect(try check.step())
        #expect(check.string(0) == "ok")
    }
}
