import Rules
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Router

let testPostgresURL: String? = FileSystem.environment()["HOOKROUTER_TEST_POSTGRES"]

/// The PostgreSQL store against a real server: `scripts/test` starts a throwaway cluster
/// (`scripts/postgres`) and passes its URL in HOOKROUTER_TEST_POSTGRES. Without it (a developer's
/// `swift test` with no PostgreSQL) these tests are skipped, and say so; CI always runs them.
@Suite(.serialized, .enabled(if: testPostgresURL != nil, "needs HOOKROUTER_TEST_POSTGRES (scripts/test starts a cluster)"))
struct PostgresStoreTests {
    var url: String { testPostgresURL! }

    /// A fresh database for one test, so tests do not see each other's events.
    func freshDatabase(_ name: String) throws -> String {
        let admin = try PGConnection(url: url)
        try admin.execute("DROP DATABASE IF EXISTS \(name)")
        try admin.execute("CREATE DATABASE \(name)")
        return Self.database(url, name)
    }

    /// The same server and credentials, another database.
    static func database(_ url: String, _ name: String) -> String {
        String(url[..<url.lastIndex(of: "/")!]) + "/" + name
    }

    func event(_ id: String, deliveries: [PlannedDelivery] = [PlannedDelivery(route: "r", target: "t")]) -> StoredEvent {
        StoredEvent(source: "fiscal", eventID: id, type: "nfe_importada", time: Timestamp(seconds: 1_796_000_000), receivedAt: WallClock.now(),
                    contentType: "application/json", headers: [HTTPField("x-a", "1")], attributes: JSONObject(), body: Array("{\"id\":\"\(id)\"}".utf8),
                    deliveries: deliveries)
    }

    /// Submits and waits for the outcome.
    func submit(_ store: PostgresEventStore, _ e: StoredEvent) -> StoreOutcome {
        let reply = BlockingQueue<StoreOutcome>()
        store.submit(e) { reply.push($0) }
        return reply.popBatch(max: 1)!.first!
    }

    @Test func connectionErrorsSayWhatToFix() throws {
        let wrongPassword = url.replacing("hookrouter-test-password", with: "nope")
        #expect(throws: PGError.self) { try PGConnection(url: wrongPassword) }
        do { _ = try PGConnection(url: wrongPassword) } catch {
            #expect(error.description.hasPrefix("the password for the user in settings.store is wrong or missing"), "\(error)")
            #expect(!error.description.contains("nope"))
        }
        let missing = Self.database(url, "no_such_db")
        do { _ = try PGConnection(url: missing) } catch {
            #expect(error.description.hasPrefix("the database in settings.store does not exist"), "\(error)")
        }
        do { _ = try PGConnection(url: "postgres://hookrouter@127.0.0.1:1/hookrouter?connect_timeout=2") } catch {
            #expect(error.description.hasPrefix("no PostgreSQL server answers at postgres://hookrouter@127.0.0.1:1/hookrouter"), "\(error)")
        }
        #expect(PGConnection.redacted("postgres://u:secret@h:5/db") == "postgres://u@h:5/db")
        #expect(PGConnection.redacted("host=h password=secret dbname=d") == "host=h password=<redacted> dbname=d")
        do { _ = try PGConnection(url: "postgres:/u:leaky-secret@h/db") } catch {
            #expect(error.description == "settings.store must be a URL like postgres://user:password@host:5432/database?sslmode=require", "\(error)")
        }
    }

    @Test func valuesRoundTripWithNullsBytesAndSQLStates() throws {
        let db = try PGConnection(url: try freshDatabase("hr_values"))
        try db.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT, b BYTEA)")
        let bytes: [UInt8] = [0, 1, 0xFF, 0x5C, 0x27, 0x22]
        try db.query("INSERT INTO t VALUES ($1, $2, $3::bytea)", ["a'b", nil, PGBytea.encode(bytes)])
        let rows = try db.query("SELECT k, v, b FROM t")
        #expect(rows.count == 1 && rows[0][0] == "a'b" && rows[0][1] == nil)
        #expect(PGBytea.decode(rows[0][2]!) == bytes)
        #expect(throws: PGError.statement(sqlState: "23505", message: "ERROR:  duplicate key value violates unique constraint \"t_pkey\"\nDETAIL:  Key (k)=(a'b) already exists.")) {
            try db.query("INSERT INTO t VALUES ($1, NULL, NULL)", ["a'b"])
        }
    }

    @Test func migrationsRunOnceWhenRoutersStartTogether() throws {
        let db = try freshDatabase("hr_migrate")
        let started = Mutex(0)
        let threads = (0..<4).map { _ in
            OSThread(name: "migrate") {
                if let c = try? PGConnection(url: db), (try? PGSchema.migrate(c)) != nil { started.withLock { $0 += 1 } }
            }
        }
        threads.forEach { $0.join() }
        #expect(started.withLock { $0 } == 4)
        let rows = try PGConnection(url: db).query("SELECT version FROM hookrouter_schema")
        #expect(rows == [[String(PGSchema.version)]])
    }

    @Test func twoRoutersOnOneDatabaseStoreEachEventOnce() throws {
        let db = try freshDatabase("hr_dedup")
        let a = try PostgresEventStore(url: db, codec: StoreCodec(key: nil), owner: "a")
        let b = try PostgresEventStore(url: db, codec: StoreCodec(key: nil), owner: "b")
        defer { a.close(); b.close() }
        var stored = 0, duplicates = 0
        var seqs = Set<Int64>()
        for i in 0..<50 {
            // The provider retries each event at both routers (behind a load balancer).
            for store in [a, b, a] {
                switch submit(store, event("ev-\(i)")) {
                case .stored(let seq, let deliveries):
                    stored += 1
                    seqs.insert(seq)
                    #expect(deliveries.count == 1 && deliveries[0].eventSeq == seq)
                case .duplicate: duplicates += 1
                case .unavailable(let why): Issue.record("unavailable: \(why)")
                }
            }
        }
        #expect(stored == 50 && duplicates == 100 && seqs.count == 50)
        let c = try PGConnection(url: db)
        #expect(try c.query("SELECT count(*) FROM events") == [["50"]])
        // Each delivery is leased to the router that stored its event.
        let owners = try c.query("SELECT lease_owner, count(*) FROM deliveries GROUP BY 1 ORDER BY 1")
        #expect(owners.map { $0[0] } == ["a"])
    }

    /// The server stopped under a router: every submission is answered unavailable (503), nothing is
    /// claimed stored; once it is back, the next ones are stored, and nothing answered stored was lost.
    @Test(.enabled(if: FileSystem.environment()["HOOKROUTER_TEST_POSTGRES_DIR"] != nil, "needs HOOKROUTER_TEST_POSTGRES_DIR to stop the server"))
    func anOutageIsUnavailableAndNothingStoredIsLost() throws {
        let db = try freshDatabase("hr_outage")
        let store = try PostgresEventStore(url: db, codec: StoreCodec(key: nil), owner: "a")
        defer { store.close() }
        let dir = FileSystem.environment()["HOOKROUTER_TEST_POSTGRES_DIR"]!
        var acked: [String] = []
        for i in 0..<5 { if case .stored = submit(store, event("before-\(i)")) { acked.append("before-\(i)") } }
        #expect(acked.count == 5)
        #expect(system("scripts/postgres pause \(dir)") == 0)
        var refused = 0
        for i in 0..<5 {
            switch submit(store, event("during-\(i)")) {
            case .unavailable: refused += 1
            case .stored: acked.append("during-\(i)")
            case .duplicate: Issue.record("a duplicate while the server was down")
            }
        }
        #expect(system("scripts/postgres resume \(dir)") == 0)
        #expect(refused == 5, "the server was down: nothing could be stored")
        // The writer reconnects at most once a second.
        var back = false
        for i in 0..<40 where !back {
            if case .stored = submit(store, event("after-\(i)")) { back = true; acked.append("after-\(i)") } else { usleep(100_000) }
        }
        #expect(back, "stored again once the server was back")
        let c = try PGConnection(url: db)
        let stored = Set(try c.query("SELECT event_id FROM events").compactMap { $0[0] })
        #expect(acked.allSatisfy(stored.contains), "every event answered stored is in the database")
    }

    @Test func attemptsAreRecordedAndTheLeaseReleasedWhenDone() throws {
        let db = try freshDatabase("hr_attempts")
        let store = try PostgresEventStore(url: db, codec: StoreCodec(key: nil), owner: "a")
        guard case .stored(let seq, let deliveries) = submit(store, event("ev-1")) else {
            Issue.record("not stored")
            return
        }
        let d = deliveries[0]
        store.record([AttemptRecord(deliveryID: d.id, eventSeq: seq, route: "r", target: "t", createdMilliseconds: 0, attempt: 1,
                                    startedAt: WallClock.now(), durationMilliseconds: 5, statusCode: 200, response: Array("ok".utf8),
                                    error: nil, newStatus: .delivered, nextAttemptAt: nil, logged: true, forgetAfterCommit: false)], settled: nil)
        store.close()  // writes what is queued
        let c = try PGConnection(url: db)
        #expect(try c.query("SELECT status, attempts, last_status, lease_owner FROM deliveries") == [["delivered", "1", "200", nil]])
        #expect(try c.query("SELECT attempt, status, response FROM attempts") == [["1", "200", PGBytea.encode(Array("ok".utf8))]])
    }
}
