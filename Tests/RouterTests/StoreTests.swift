import Testing
@testable import Adapters
@testable import Router
@testable import Rules
#if canImport(Glibc)
import Glibc
#endif

/// A fresh temporary directory per test.
func temporaryDirectory() -> String {
    // Under $TMPDIR: scripts/test points it at a directory of the run's, removed when the run passes.
    let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array("\(base)/hookrouter-test-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
}

/// Submits and waits for the outcome (the writer thread calls back).
func submitAndWait(_ store: SQLiteEventStore, _ event: StoredEvent) -> StoreOutcome {
    let done = BlockingQueue<StoreOutcome>()
    store.submit(event) { done.push($0) }
    return done.popBatch(max: 1)![0]
}

extension StoredEvent {
    /// A copy with some fields changed (tests make variants of `sampleEvent`).
    func with(source: String? = nil, receivedAt: Timestamp? = nil, body: [UInt8]? = nil, deliveries: [PlannedDelivery]? = nil) -> StoredEvent {
        StoredEvent(source: source ?? self.source, eventID: eventID, type: type, time: time, receivedAt: receivedAt ?? self.receivedAt,
                    contentType: contentType, headers: headers, attributes: attributes, body: body ?? self.body,
                    deliveries: deliveries ?? self.deliveries)
    }
}

func sampleEvent(_ id: String, body: String = #"{"evento":"nfe_importada","dados":{"senha":"s3cr3t-marker"}}"#,
                 receivedAt: Timestamp = Timestamp(seconds: 1_795_000_001)) -> StoredEvent {
    StoredEvent(source: "fiscal", eventID: id, type: "nfe_importada", time: Timestamp(seconds: 1_795_000_000),
                receivedAt: receivedAt, contentType: "application/json",
                headers: [HTTPField("content-type", "application/json"), HTTPField("x-request-id", "r-1")],
                attributes: JSONObject([("cnpj", .string("45678901000175"))]), body: Array(body.utf8),
                deliveries: [PlannedDelivery(route: "a", target: "accounting"), PlannedDelivery(route: "b", target: "warehouse")])
}

/// The SQLite store on a real file: durability, dedup, group commit, encryption at rest.
struct StoreTests {
    @Test func storesThenDeduplicates() throws {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        guard case .stored(let seq, let n) = submitAndWait(store, sampleEvent("e-1")) else { Issue.record("not stored"); return }
        #expect(n.map(\.target) == ["accounting", "warehouse"])
        #expect(n.allSatisfy { $0.eventSeq == seq })
        guard case .duplicate = submitAndWait(store, sampleEvent("e-1")) else { Issue.record("not a duplicate"); return }
        let other = sampleEvent("e-1").with(source: "another-source")
        guard case .stored(let seq2, _) = submitAndWait(store, other) else { Issue.record("same id at another source is a new event"); return }
        #expect(seq2 > seq)
        store.close()

        let db = try SQLiteDatabase(path: dir + "/hookrouter.db")
        #expect(try db.scalar("SELECT count(*) FROM events") == 2)
        #expect(try db.scalar("SELECT count(*) FROM deliveries WHERE status = 'pending'") == 4)
        #expect(try db.scalar("PRAGMA user_version") == Schema.currentVersion)
        #expect(try db.scalar("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'") == 1)
    }

    @Test func groupCommitAnswersEverySubmission() throws {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        let outcomes = BlockingQueue<StoreOutcome>()
        for i in 0..<500 { store.submit(sampleEvent("g-\(i % 400)")) { outcomes.push($0) } }
        var stored = 0, duplicates = 0
        while stored + duplicates < 500, let batch = outcomes.popBatch(max: 500) {
            for o in batch {
                switch o {
                case .stored: stored += 1
                case .duplicate: duplicates += 1
                case .unavailable(let why): Issue.record("unavailable: \(why)")
                }
            }
        }
        #expect(stored == 400)
        #expect(duplicates == 100)
        store.close()
        guard case .unavailable = submitAndWait(store, sampleEvent("late")) else { Issue.record("a closed store must refuse"); return }
    }

    @Test func sealsBodiesAndHeadersAtRest() throws {
        let dir = temporaryDirectory()
        let key = AESGCMKey(Array("0123456789abcdef0123456789abcdef".utf8))!
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: key))
        guard case .stored = submitAndWait(store, sampleEvent("sealed-1")) else { Issue.record("not stored"); return }
        store.close()
        // Neither the database, its WAL nor the body log holds the plaintext.
        for file in ["/hookrouter.db", "/hookrouter.db-wal", "/bodies/00000001.log"] {
            let bytes = FileSystem.read(dir + file) ?? []
            #expect(file != "/bodies/00000001.log" || bytes.count > 100, "the body log holds the record")
            #expect(!contains(bytes, Array("s3cr3t-marker".utf8)), "\(file) holds the body in clear")
            #expect(!contains(bytes, Array("x-request-id".utf8)), "\(file) holds headers in clear")
        }
        let db = try SQLiteDatabase(path: dir + "/hookrouter.db")
        let s = try db.prepare("SELECT sealed, log_segment, log_offset, log_length FROM events")
        #expect(try s.step())
        #expect(s.int(0) == 1)
        let r = try BodyLogReader(directory: dir + "/bodies").read(segment: s.int64(1), offset: s.int64(2), length: s.int(3))
        #expect(r.sealed)
        let codec = StoreCodec(key: key)
        let body = try codec.open(r.body, sealed: true, source: "fiscal", eventID: "sealed-1", part: "body")
        #expect(String(decoding: body, as: UTF8.self).contains("s3cr3t-marker"))
        let headers = StoreCodec.decodeHeaders(try codec.open(r.headers, sealed: true, source: "fiscal", eventID: "sealed-1", part: "headers"))
        #expect(headers == [HTTPField("content-type", "application/json"), HTTPField("x-request-id", "r-1")])
        // Bound to its event: the same blob under another event id does not open.
        #expect(throws: UnsealError.self) { try codec.open(r.body, sealed: true, source: "fiscal", eventID: "other", part: "body") }
        #expect(throws: UnsealError.self) { try StoreCodec(key: nil).open(r.body, sealed: true, source: "fiscal", eventID: "sealed-1", part: "body") }
    }

    @Test func refusesANewerSchema() throws {
        let dir = temporaryDirectory()
        let db = try SQLiteDatabase(path: dir + "/hookrouter.db")
        try db.execute("PRAGMA user_version = 99")
        #expect(throws: SQLiteError.self) { _ = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil)) }
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return true }
        }
        return false
    }
}
