import Testing
@testable import Adapters
@testable import Router
@testable import Rules

/// The engine's reads on a real store file: due deliveries read on from a cursor, and events loaded
/// for a whole dispatch round in one query.
struct DeliveryReaderTests {
    /// Four events, each with an `accounting` and a `warehouse` delivery (`acc(seq)` and `acc(seq) + 1`),
    /// given pending rows as a restart gives them.
    func store(sealed: Bool = false) throws -> (dir: String, codec: StoreCodec) {
        let dir = temporaryDirectory()
        let codec = StoreCodec(key: sealed ? AESGCMKey(Array(repeating: 7, count: 32)) : nil)
        let store = try SQLiteEventStore(directory: dir, codec: codec)
        for i in 1...4 {
            guard case .stored = submitAndWait(store, sampleEvent("r-\(i)")) else { throw ReaderTestError.notStored }
        }
        store.close()
        try SQLiteEventStore(directory: dir, codec: codec).close()
        return (dir, codec)
    }

    func acc(_ seq: Int64) -> Int64 { seq * Schema.idsPerEvent }

    enum ReaderTestError: Error { case notStored }

    @Test func readsOnFromTheCursorInDueOrder() throws {
        let (dir, codec) = try store()
        let db = try SQLiteDatabase(path: dir + "/hookrouter.db")
        // Events 2 and 3's accounting deliveries share a due time, event 1's is due last.
        try db.execute("UPDATE delivery_rows SET next_attempt_ms = 500 WHERE id IN (\(acc(2)), \(acc(3)))")
        try db.execute("UPDATE delivery_rows SET next_attempt_ms = 400 WHERE id = \(acc(4))")
        try db.execute("UPDATE delivery_rows SET next_attempt_ms = 900 WHERE id = \(acc(1))")
        let reader = try DeliveryReader(path: dir + "/hookrouter.db", codec: codec)
        let all = try reader.dueDeliveries(target: "accounting", by: 1_000, limit: 10)
        #expect(all.map(\.id) == [acc(4), acc(2), acc(3), acc(1)])
        #expect(all.map(\.eventID) == ["r-4", "r-2", "r-3", "r-1"], "each row names its event for log lines")
        // After (500, acc 2): acc 3 has the same due time and a larger id; 4 and 2 are behind the cursor.
        #expect(try reader.dueDeliveries(target: "accounting", by: 1_000, after: DueCursor(due: 500, id: acc(2)), limit: 10).map(\.id) == [acc(3), acc(1)])
        #expect(try reader.dueDeliveries(target: "accounting", by: 1_000, after: DueCursor(due: 500, id: acc(3)), limit: 1).map(\.id) == [acc(1)])
        #expect(try reader.dueDeliveries(target: "accounting", by: 800, after: DueCursor(due: 500, id: acc(3)), limit: 10).isEmpty,
                "not due yet")
        #expect(try reader.dueDeliveries(target: "warehouse", by: 1_000, after: DueCursor(due: 400, id: acc(4) + 1), limit: 10).isEmpty,
                "warehouse rows are all due before the cursor")
    }

    @Test func loadsManyEventsInOneCallAndNamesTheMissing() throws {
        let (dir, codec) = try store(sealed: true)
        let reader = try DeliveryReader(path: dir + "/hookrouter.db", codec: codec)
        let got = reader.load(seqs: [3, 1, 99])
        #expect(got.count == 3)
        #expect((try? got[1]?.get())?.eventID == "r-1")
        #expect((try? got[3]?.get())?.eventID == "r-3")
        #expect((try? got[3]?.get())?.body == sampleEvent("r-3").body, "sealed at rest, opened on the way out")
        guard case .failure(.missing)? = got[99] else { Issue.record("seq 99 is not in the store: \(String(describing: got[99]))"); return }
        #expect(reader.load(seqs: []).isEmpty)

        let wrongKey = try DeliveryReader(path: dir + "/hookrouter.db", codec: StoreCodec(key: AESGCMKey(Array(repeating: 8, count: 32))))
        guard case .failure(.unsealable)? = wrongKey.load(seqs: [2])[2] else { Issue.record("a wrong key must not open the event"); return }
    }
}
