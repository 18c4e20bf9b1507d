/// At start, before anything reads the store: indexes the records the log holds after the rows, cuts
/// the log after its last whole record and opens it for appends, and removes emptied segments a
/// failed removal left.
///
/// Such records are batches whose log write was flushed but whose SQLite commit did not survive: the
/// writer's connection runs with `synchronous=NORMAL`, so a power cut can take commits (never a
/// crash: they are in the WAL file). They may also be a batch whose commit failed after its log write
/// and whose cut failed too; indexing it stores events that were answered 503, which their providers'
/// retries then find as duplicates (at-least-once).
enum LogRecovery {
    /// Returns how many events it indexed.
    static func run(db: SQLiteDatabase, log: BodyLog, rows: EventRows, counters: PlanCounters) throws -> Int {
        let segments = log.segments()
        let start = try EventRows.indexedEnd(db) ?? LogPosition(segment: segments.first ?? 1, offset: 0)
        var lastSeq = try db.scalar("SELECT max(coalesce((SELECT max(seq) FROM events), 0), coalesce((SELECT max(seq) FROM event_keys), 0))")
        var perSegment: [Int64: (events: Int, end: Int64)] = [:]
        try db.execute("BEGIN IMMEDIATE")
        let end: LogPosition
        do {
            end = try BodyLogReader.scan(directory: log.directory, from: start, segments: segments) { record, position, length in
                // Seqs only grow along the log; a smaller one is a leftover past the real end.
                guard record.seq > lastSeq else { return false }
                try rows.insert(record, at: position, length: length)
                counters.count(receivedMilliseconds: record.receivedMilliseconds, source: record.source, plan: record.plan)
                lastSeq = record.seq
                perSegment[position.segment, default: (0, 0)].events += 1
                perSegment[position.segment]!.end = position.offset + Int64(length)
                return true
            }
            for (segment, s) in perSegment { try rows.indexed(segment: segment, events: s.events, through: s.end) }
            try counters.write()
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            counters.discard()
            throw error
        }
        try log.truncate(to: max(end, start))
        // Segments below the oldest one with rows are ones retention emptied whose removal failed.
        let lowest = try db.scalar("SELECT coalesce(min(segment), 0) FROM log_segments")
        if lowest > 0 { log.remove(segments: segments.filter { $0 < lowest }) }
        let recovered = perSegment.values.reduce(0) { $0 + $1.events }
        if recovered > 0 {
            Log.warn("indexed events from the body log whose rows a power cut or failed commit lost",
                     ["events": String(recovered), "last_seq": String(lastSeq)])
        }
        return recovered
    }
}
