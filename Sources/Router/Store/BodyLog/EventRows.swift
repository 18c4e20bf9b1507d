/// The rows an event stored in the body log gets, written by the writer's batch and by log recovery:
/// its `events` row (what queries filter on, and where its record is), its `event_keys` row (dedup key
/// and plan), and its segment's count and indexed end in `log_segments`.
final class EventRows {
    /// A row to write: an event's record and where it is in the log.
    struct Row {
        let record: LogRecord
        let position: LogPosition
        let length: Int
    }

    /// Rows one INSERT writes at most. Statement by statement, SQLite's set-up and halt (opening the
    /// table's and the index's cursors, closing them) cost as much as an event's row; a batch's rows
    /// go in statements of up to this many.
    static let rowsPerStatement = 16
    private static let eventParameters = 11
    private static let keyParameters = 5

    private let db: SQLiteDatabase
    /// By row count, prepared when a batch first needs that many.
    private var insertEvents: [SQLiteStatement?] = Array(repeating: nil, count: rowsPerStatement + 1)
    private var insertKeys: [SQLiteStatement?] = Array(repeating: nil, count: rowsPerStatement + 1)
    private let indexSegment: SQLiteStatement

    init(db: SQLiteDatabase) throws(SQLiteError) {
        self.db = db
        indexSegment = try db.prepare("""
            INSERT INTO log_segments (segment, events, indexed_to) VALUES (?1, ?2, ?3)
            ON CONFLICT (segment) DO UPDATE SET events = events + ?2, indexed_to = max(indexed_to, ?3)
            """)
    }

    /// The INSERTs of `n` events rows and `n` key rows. The blobs live in the log; the row keeps empty
    /// ones (the columns predate the log).
    private func statements(rows n: Int) throws(SQLiteError) -> (events: SQLiteStatement, keys: SQLiteStatement) {
        if let events = insertEvents[n], let keys = insertKeys[n] { return (events, keys) }
        func values(_ count: Int, _ row: (Int) -> String) -> String { (0..<count).map(row).joined(separator: ", ") }
        let events = try db.prepare("""
            INSERT INTO events (seq, source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed,
                                log_segment, log_offset, log_length)
            VALUES \(values(n) { j in
                let p = (1...Self.eventParameters).map { "?\(j * Self.eventParameters + $0)" }
                return "(\(p[0...6].joined(separator: ", ")), x'', x'', x'', \(p[7...10].joined(separator: ", ")))"
            })
            """)
        let keys = try db.prepare("""
            INSERT INTO event_keys (seq, source, event_id, stored_ms, planned)
            VALUES \(values(n) { j in "(" + (1...Self.keyParameters).map { "?\(j * Self.keyParameters + $0)" }.joined(separator: ", ") + ")" })
            """)
        insertEvents[n] = events
        insertKeys[n] = keys
        return (events, keys)
    }

    /// The rows' texts, copied here and bound in place (`bindStatic`): SQLite copying each of them was
    /// an allocation, seven per event. Grown before anything is bound, never while bound.
    private var texts = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)

    deinit { texts.deallocate() }

    func insert(_ r: LogRecord, at position: LogPosition, length: Int) throws(SQLiteError) {
        try insert(count: 1) { _ in Row(record: r, position: position, length: length) }
    }

    /// Writes the rows `row(0)`, … `row(count - 1)` of `count` events, asking for each once.
    func insert(count: Int, row: (Int) -> Row) throws(SQLiteError) {
        var first = 0
        // One statement's rows, for its two passes (texts measured, then bound).
        var chunk: [Row] = []
        chunk.reserveCapacity(min(count, Self.rowsPerStatement))
        while first < count {
            let n = min(Self.rowsPerStatement, count - first)
            let (insertEvent, insertKey) = try statements(rows: n)
            chunk.removeAll(keepingCapacity: true)
            var needed = 0
            for j in 0..<n {
                let row = row(first + j), r = row.record
                chunk.append(row)
                needed += r.source.utf8.count + r.eventID.utf8.count + r.type.utf8.count + r.contentType.utf8.count + r.plan.utf8.count
            }
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
            for j in 0..<n {
                let row = chunk[j], r = row.record
                let source = place(r.source), eventID = place(r.eventID), type = place(r.type), contentType = place(r.contentType), plan = place(r.plan)
                let e = Int32(j * Self.eventParameters)
                insertEvent.bind(e + 1, r.seq)
                insertEvent.bindStatic(e + 2, source.0, count: source.1)
                insertEvent.bindStatic(e + 3, eventID.0, count: eventID.1)
                insertEvent.bindStatic(e + 4, type.0, count: type.1)
                insertEvent.bind(e + 5, r.timeMilliseconds)
                insertEvent.bind(e + 6, r.receivedMilliseconds)
                insertEvent.bindStatic(e + 7, contentType.0, count: contentType.1)
                insertEvent.bind(e + 8, r.sealed ? 1 : 0)
                insertEvent.bind(e + 9, row.position.segment)
                insertEvent.bind(e + 10, row.position.offset)
                insertEvent.bind(e + 11, row.length)
                let k = Int32(j * Self.keyParameters)
                insertKey.bind(k + 1, r.seq)
                insertKey.bindStatic(k + 2, source.0, count: source.1)
                insertKey.bindStatic(k + 3, eventID.0, count: eventID.1)
                insertKey.bind(k + 4, r.storedMilliseconds)
                insertKey.bindStatic(k + 5, plan.0, count: plan.1)
            }
            try insertEvent.run()
            try insertKey.run()
            first += n
        }
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
