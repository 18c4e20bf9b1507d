import Testing
@testable import Router
@testable import Rules
#if canImport(Glibc)
import Glibc
#endif

/// The body log on real files: records round-trip and a torn or damaged one is refused; a commit
/// SQLite lost is indexed again from the log at start; a torn tail is cut; retention removes emptied
/// segments and nothing else.
struct BodyLogTests {
    func record(_ seq: Int64, body: String = "{\"x\":1}") -> LogRecord {
        LogRecord(seq: seq, storedMilliseconds: 5, timeMilliseconds: 6, receivedMilliseconds: 7, sealed: false, source: "fiscal",
                  eventID: "id-\(seq)", type: "t", contentType: "application/json", plan: #"[["r","t"]]"#,
                  headers: Array("[]".utf8), attributes: Array("{}".utf8), body: Array(body.utf8))
    }

    @Test func aRecordRoundTripsAndATornOrFlippedOneIsRefused() {
        var bytes: [UInt8] = []
        let r = record(42, body: String(repeating: "é", count: 300))
        r.encode(into: &bytes)
        #expect(bytes.count == r.encodedSize)
        #expect(bytes.withUnsafeBytes { LogRecord.decode($0) } == r)
        #expect(bytes.dropLast().withUnsafeBytes { LogRecord.decode($0) } == nil)
        for i in [0, 5, 9, 12, 60, bytes.count - 1] {
            var flipped = bytes
            flipped[i] ^= 0x10
            #expect(flipped.withUnsafeBytes { LogRecord.decode($0) } == nil, "a flipped bit at \(i) went unnoticed")
        }
    }

    @Test func crc32cMatchesTheStandardCheckValue() {
        // CRC-32C of "123456789" is 0xE3069283 (RFC 3720, B.4).
        #expect(Array("123456789".utf8).withUnsafeBytes { LogRecord.checksum($0) } == 0xE306_9283)
    }

    @Test func aCommitSQLiteLostIsIndexedAgainFromTheLog() throws {
        let dir = temporaryDirectory()
        var store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        for i in 0..<10 { guard case .stored = submitAndWait(store, sampleEvent("kept-\(i)")) else { Issue.record("not stored"); return } }
        store.close()
        // What a power cut leaves when the later commits never reached the disk: the database as it was
        // here, the log as it is at the end.
        let saved = dir + "/saved.db"
        #expect(FileSystem.writeDurably(saved, FileSystem.read(dir + "/hookrouter.db")!, mode: 0o600))
        store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        for i in 0..<15 { guard case .stored = submitAndWait(store, sampleEvent("lost-\(i)")) else { Issue.record("not stored"); return } }
        store.close()
        unlink(dir + "/hookrouter.db-wal")
        unlink(dir + "/hookrouter.db-shm")
        #expect(rename(saved, dir + "/hookrouter.db") == 0)

        store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        // The recovered events are duplicates now, and readable with their deliveries pending.
        guard case .duplicate = submitAndWait(store, sampleEvent("lost-14")) else { Issue.record("a recovered event is not known"); return }
        guard case .stored(let seq, _) = submitAndWait(store, sampleEvent("after")) else { Issue.record("not stored"); return }
        #expect(seq == 26)
        store.close()
        let q = try StoreQueries(directory: dir, writable: false)
        #expect(try q.db.scalar("SELECT count(*) FROM events") == 26)
        #expect(try q.db.scalar("SELECT count(*) FROM deliveries WHERE status = 'pending'") == 52)
        #expect(try q.db.scalar("SELECT events FROM log_segments WHERE segment = 1") == 26)
        let reader = try DeliveryReader(path: dir + "/hookrouter.db", codec: StoreCodec(key: nil))
        let e = try reader.load(seq: 20)
        #expect(e.eventID == "lost-9")
        #expect(String(decoding: e.body, as: UTF8.self).contains("s3cr3t-marker"))
        #expect(e.headers == sampleEvent("x").headers)
    }

    @Test func aTornTailIsCutAndTheLogGoesOn() throws {
        let dir = temporaryDirectory()
        var store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        for i in 0..<3 { _ = submitAndWait(store, sampleEvent("a-\(i)")) }
        store.close()
        let segment = dir + "/bodies/00000001.log"
        let whole = FileSystem.read(segment)!
        // Half a record a crash cut short.
        var torn = whole
        var next: [UInt8] = []
        record(99).encode(into: &next)
        torn += next.prefix(next.count / 2)
        #expect(FileSystem.writeDurably(segment, torn, mode: 0o600))
        store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        #expect(FileSystem.read(segment)!.count == whole.count, "the torn tail stays")
        guard case .stored(let seq, _) = submitAndWait(store, sampleEvent("b")) else { Issue.record("not stored"); return }
        store.close()
        let reader = try DeliveryReader(path: dir + "/hookrouter.db", codec: StoreCodec(key: nil))
        #expect(try reader.load(seq: seq).eventID == "b")
        #expect(try reader.load(seq: 1).eventID == "a-0")
    }

    @Test func retentionRemovesEmptiedSegmentsOnly() throws {
        let dir = temporaryDirectory()
        // ~600-byte records, 2 KB segments: a few events per segment.
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil), segmentBytes: 2048)
        let old = WallClock.now().milliseconds - 3_600_000
        for i in 0..<30 {
            let e = sampleEvent("r-\(i)", body: "{\"pad\":\"" + String(repeating: "p", count: 400) + "\"}",
                                receivedAt: Timestamp(milliseconds: i < 20 ? old : WallClock.now().milliseconds))
            _ = submitAndWait(store, e)
        }
        let before = try BodyLog(directory: dir + "/bodies").segments()
        #expect(before.count >= 8, "\(before)")
        store.record([], settled: SettledState(through: 30, deliveredAbove: []))
        _ = submitAndWait(store, sampleEvent("flush"))
        #expect(store.purge(PurgeCutoffs(events: old + 1, keys: 0), limit: 1_000)?.events == 20)
        store.close()
        let after = try BodyLog(directory: dir + "/bodies").segments()
        #expect(after.count < before.count && after.first! > before.first!, "\(before) → \(after)")
        // Every event left is still readable: no segment that holds one went.
        let q = try StoreQueries(directory: dir, writable: false)
        let left = try q.db.prepare("SELECT seq FROM events")
        let reader = try DeliveryReader(path: dir + "/hookrouter.db", codec: StoreCodec(key: nil))
        var n = 0
        while try left.step() {
            _ = try reader.load(seq: left.int64(0))
            n += 1
        }
        #expect(n == 11)
        #expect(try q.db.scalar("SELECT sum(events) FROM log_segments") == 11)
        // A segment whose removal failed goes at the next start.
        let leftover = BodyLog.path(directory: dir + "/bodies", segment: before.first!)
        #expect(FileSystem.writeDurably(leftover, [1, 2, 3], mode: 0o600))
        try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil), segmentBytes: 2048).close()
        #expect(!FileSystem.exists(leftover))
        #expect(try BodyLog(directory: dir + "/bodies").segments() == after)
    }
}
