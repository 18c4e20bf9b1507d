import Rules
import Testing
@testable import Router

/// A batch's rows go in INSERTs of up to `EventRows.rowsPerStatement` rows: every column of every row
/// must land on its own event, across the statements' boundaries.
struct EventRowsTests {
    @Test func aBatchLargerThanOneStatementKeepsEveryRowsColumns() throws {
        let dir = temporaryDirectory()
        let store = try SQLiteEventStore(directory: dir, codec: StoreCodec(key: nil))
        let count = 2 * EventRows.rowsPerStatement + 5
        let done = BlockingQueue<StoreOutcome>()
        for i in 0..<count {
            let e = StoredEvent(source: i % 2 == 0 ? "fiscal" : "odoo", eventID: "id-\(i)", type: "type-\(i)",
                                time: Timestamp(milliseconds: 1_000 + Int64(i)), receivedAt: Timestamp(milliseconds: 2_000 + Int64(i)),
                                contentType: "text/\(i)", headers: [], attributes: JSONObject(), body: Array("body \(i)".utf8),
                                deliveries: i % 3 == 0 ? [] : [PlannedDelivery(route: "r\(i)", target: "t\(i)")])
            store.submit(e) { done.push($0) }  // queued while the first batch is written: the next takes the rest
        }
        var answered = 0
        while answered < count, let some = done.popBatch(max: count) { answered += some.count }
        store.close()

        let q = try StoreQueries(directory: dir, writable: false)
        let s = try q.db.prepare("""
            SELECT e.seq, e.source, e.event_id, e.type, e.time_ms, e.received_ms, e.content_type, e.log_offset, e.log_length,
                   k.source, k.event_id, k.planned
            FROM events e JOIN event_keys k ON k.seq = e.seq ORDER BY e.seq
            """)
        var i = 0
        var nextOffset: Int64 = 0
        while try s.step() {
            #expect(s.int64(0) == Int64(i + 1))
            #expect(s.string(1) == (i % 2 == 0 ? "fiscal" : "odoo") && s.string(9) == s.string(1))
            #expect(s.string(2) == "id-\(i)" && s.string(10) == "id-\(i)")
            #expect(s.string(3) == "type-\(i)")
            #expect(s.int64(4) == 1_000 + Int64(i) && s.int64(5) == 2_000 + Int64(i))
            #expect(s.string(6) == "text/\(i)")
            #expect(s.int64(7) == nextOffset, "records follow each other in the log")
            nextOffset = s.int64(7) + s.int64(8)
            #expect(s.string(11) == (i % 3 == 0 ? "" : #"[["r\#(i)","t\#(i)"]]"#))
            i += 1
        }
        #expect(answered == count && i == count)
    }
}
