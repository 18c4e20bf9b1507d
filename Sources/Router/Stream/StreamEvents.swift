import Rules

/// The store reads a stream replay makes, in seq order: the replay reader's thread owns one.
/// `SendableMetatype`: the replay thread is started with a value of the conforming type and calls its
/// static reader through it.
protocol StreamEvents: SendableMetatype {
    associatedtype Failure: Error
    /// The newest seq stored (0 for none).
    func lastSeq() throws(Failure) -> Int64
    /// Up to `limit` events with seq in (after, upTo], oldest first, each opened or why it could not be.
    func range(after: Int64, upTo: Int64, limit: Int) throws(Failure) -> [(Int64, Result<StoredEvent, DeliveryReader.LoadError>)]
    /// The first seq received at or after `since`; nil when none was.
    func firstSeq(receivedSince since: Int64) throws(Failure) -> Int64?
    /// The newest seq in (after, before); nil when none.
    func lastSeq(after: Int64, before: Int64) throws(Failure) -> Int64?
}

/// On the SQLite file, with a read-only connection of its own (WAL lets it read beside the writer).
final class SQLiteStreamEvents: StreamEvents {
    private let db: SQLiteDatabase
    private let codec: StoreCodec
    private let log: BodyLogReader
    private let rangeStatement: SQLiteStatement
    private let firstInWindow: SQLiteStatement
    private let lastBefore: SQLiteStatement

    init(path: String, codec: StoreCodec) throws(SQLiteError) {
        db = try SQLiteDatabase(path: path, readOnly: true)
        self.codec = codec
        log = BodyLogReader(databasePath: path)
        rangeStatement = try db.prepare("SELECT \(DeliveryReader.eventColumns) FROM events WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3")
        firstInWindow = try db.prepare("SELECT min(seq) FROM events WHERE received_ms >= ?1")
        lastBefore = try db.prepare("SELECT max(seq) FROM events WHERE seq > ?1 AND seq < ?2")
    }

    func lastSeq() throws(SQLiteError) -> Int64 { try db.scalar("SELECT coalesce(max(seq), 0) FROM events") }

    func range(after: Int64, upTo: Int64, limit: Int) throws(SQLiteError) -> [(Int64, Result<StoredEvent, DeliveryReader.LoadError>)] {
        defer { rangeStatement.reset() }
        rangeStatement.bind(1, after)
        rangeStatement.bind(2, upTo)
        rangeStatement.bind(3, limit)
        var out: [(Int64, Result<StoredEvent, DeliveryReader.LoadError>)] = []
        let segments = OpenSegments()
        while try rangeStatement.step() {
            out.append((rangeStatement.int64(0), DeliveryReader.storedEvent(rangeStatement, codec: codec, log: log, segments: segments)))
        }
        return out
    }

    func firstSeq(receivedSince since: Int64) throws(SQLiteError) -> Int64? {
        defer { firstInWindow.reset() }
        firstInWindow.bind(1, since)
        _ = try firstInWindow.step()
        return firstInWindow.isNull(0) ? nil : firstInWindow.int64(0)
    }

    func lastSeq(after: Int64, before: Int64) throws(SQLiteError) -> Int64? {
        defer { lastBefore.reset() }
        lastBefore.bind(1, after)
        lastBefore.bind(2, before)
        _ = try lastBefore.step()
        return lastBefore.isNull(0) ? nil : lastBefore.int64(0)
    }
}
