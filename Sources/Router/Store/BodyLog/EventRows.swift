/// The rows an event stored in the body log gets, written by the writer's batch and by log recovery:
/// its `events` row (what queries filter on, and where its record is), its `event_keys` row (dedup key
/// and plan), and its segment's count and indexed end in `log_segments`.
final class EventRows {
    private let insertEvent: SQLiteStatement
    private let insertKey: SQLiteStatement
    private let indexSegment: SQLiteStatement

    init(db: SQLiteDatabase) throws(SQLiteError) {
        // The blobs live in the log; the row keeps empty ones (the columns predate the log).
        insertEvent = try db.prepare("""
            INSERT INTO events (seq, source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed,
                                log_segment, log_offset, log_length)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, x'', x'', x'', ?8, ?9, ?10, ?11)
            """)
        insertKey = try db.prepare("INSERT INTO event_keys (seq, source, event_id, stored_ms, planned) VALUES (?1, ?2, ?3, ?4, ?5)")
        indexSegment = try db.prepare("""
            INSERT INTO log_segments (segment, events, indexed_to) VALUES (?1, ?2, ?3)
            ON CONFLICT (segment) DO UPDATE SET events = events + ?2, indexed_to = max(indexed_to, ?3)
            """)
    }

    /// The row's texts, copied here once and bound in place (`bindStatic`): SQLite copying each of
    /// them was an allocation, seven per event. Grown before anything is bound, never while bound.
    private var texts = UnsafeMutableRawBufferPointer.allocate(byteCount: 512, alignment: 8)

    deinit { texts.deallocate() }

    func insert(_ r: LogRecord, at position: LogPosition, length: Int) throws(SQLiteError) {
        let needed = r.source.utf8.count + r.eventID.utf8.count + r.type.utf8.count + r.contentType.utf8.count + r.plan.utf8.count
        if needed > texts.count {
            let size = max(needed, 2 * texts.count)
            texts.deallocate()
            texts = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        }
        var used = 0
        func place(_ s: String) -> (UnsafeRawPointer, Int) {
            let at = used
            s.withUTF8Bytes { bytes in
                if let base = bytes.baseAddress { (texts.baseAddress! + at).copyMemory(from: base, byteCount: bytes.count) }
                used += bytes.count
            }
            return (UnsafeRawPointer(texts.baseAddress! + at), used - at)
        }
        let source = place(r.source), eventID = place(r.eventID), type = place(r.type), contentType = place(r.contentType), plan = place(r.plan)
        insertEvent.bind(1, r.seq)
        insertEvent.bindStatic(2, source.0, count: source.1)
        insertEvent.bindStatic(3, eventID.0, count: eventID.1)
        insertEvent.bindStatic(4, type.0, count: type.1)
        insertEvent.bind(5, r.timeMilliseconds)
        insertEvent.bind(6, r.receivedMilliseconds)
        insertEvent.bindStatic(7, contentType.0, count: contentType.1)
        insertEvent.bind(8, r.sealed ? 1 : 0)
        insertEvent.bind(9, position.segment)
        insertEvent.bind(10, position.offset)
        insertEvent.bind(11, length)
        try insertEvent.run()
        insertKey.bind(1, r.seq)
        insertKey.bindStatic(2, source.0, count: source.1)
        insertKey.bindStatic(3, eventID.0, count: eventID.1)
        insertKey.bind(4, r.storedMilliseconds)
        insertKey.bindStatic(5, plan.0, count: plan.1)
        try insertKey.run()
    }

    /// `events` more events in `segment`, whose records are indexed up to `offset`.
    func indexed(segment: Int64, events: Int, through offset: Int64) throws(SQLiteError) {
        indexSegment.bind(1, segment)
        indexSegment.bind(2, events)
        indexSegment.bind(3, offset)
        try indexSegment.run()
    }

    /// Where indexing stopped: the end of the last segment with rows, or nil before the first.
    static func indexedEnd(_ db: SQLiteDatabase) throws(SQLiteError) -> LogPosition? {
        let s = try db.prepare("SELECT segment, indexed_to FROM log_segments ORDER BY segment DESC LIMIT 1")
        guard try s.step() else { return nil }
        return LogPosition(segment: s.int64(0), offset: s.int64(1))
    }
}
