import Rules

/// Where a lane's last read of due deliveries stopped, in the store's order (due time, then id).
struct DueCursor: Equatable {
    var due: Int64
    var id: Int64

    /// Before every row.
    static let start = DueCursor(due: .min, id: .min)
}

/// The engine's read-only view of the store: due deliveries per target (those with rows: a new
/// delivery reaches the engine from ingest, or gets a row), and events by seq.
/// Its own connection, used by the engine thread only (WAL lets it read beside the writer).
final class DeliveryReader {
    private let db: SQLiteDatabase
    private let codec: StoreCodec
    private let log: BodyLogReader
    private let due: SQLiteStatement
    private let unconfigured: SQLiteStatement
    private let events: SQLiteStatement

    init(path: String, codec: StoreCodec) throws(SQLiteError) {
        db = try SQLiteDatabase(path: path, readOnly: true)
        self.codec = codec
        log = BodyLogReader(databasePath: path)
        // Rows after the cursor (due, id): the same due time with a larger id, or a later due time. Two
        // halves because SQLite seeks the index (target, next_attempt_ms, rowid) only this way; a row
        // value `(next_attempt_ms, id) > (?4, ?5)` made it walk every row due at the cursor's time.
        due = try db.prepare("""
            SELECT * FROM (
              SELECT d.id, d.event_seq, d.route, d.target, d.attempts, d.next_attempt_ms, d.attempt_base, e.source, e.event_id, d.created_ms
              FROM delivery_rows d LEFT JOIN events e ON e.seq = d.event_seq
              WHERE d.status = 'pending' AND d.target = ?1 AND d.next_attempt_ms = ?4 AND d.id > ?5 AND d.next_attempt_ms <= ?2
              UNION ALL
              SELECT d.id, d.event_seq, d.route, d.target, d.attempts, d.next_attempt_ms, d.attempt_base, e.source, e.event_id, d.created_ms
              FROM delivery_rows d LEFT JOIN events e ON e.seq = d.event_seq
              WHERE d.status = 'pending' AND d.target = ?1 AND d.next_attempt_ms > ?4 AND d.next_attempt_ms <= ?2)
            ORDER BY next_attempt_ms, id LIMIT ?3
            """)
        unconfigured = try db.prepare("""
            SELECT d.id, d.event_seq, d.route, d.target, d.attempts, d.next_attempt_ms, d.attempt_base, e.source, e.event_id, d.created_ms
            FROM delivery_rows d LEFT JOIN events e ON e.seq = d.event_seq
            WHERE d.status = 'pending' AND d.target NOT IN (SELECT value FROM json_each(?1)) LIMIT ?2
            """)
        events = try db.prepare("SELECT \(Self.eventColumns) FROM events WHERE seq IN (SELECT value FROM json_each(?1))")
    }

    /// One target's pending deliveries due by `horizon` that come after `cursor`, oldest first.
    func dueDeliveries(target: String, by horizon: Int64, after cursor: DueCursor = .start, limit: Int) throws(SQLiteError) -> [QueuedDelivery] {
        defer { due.reset() }
        due.bind(1, target)
        due.bind(2, horizon)
        due.bind(3, limit)
        due.bind(4, cursor.due)
        due.bind(5, cursor.id)
        return try rows(due)
    }

    /// Pending deliveries whose target is none of `targets` (removed by a reload), due or not.
    func deliveries(notTo targets: [String], limit: Int) throws(SQLiteError) -> [QueuedDelivery] {
        defer { unconfigured.reset() }
        unconfigured.bind(1, JSONValue.array(targets.map { .string($0) }).serialized)
        unconfigured.bind(2, limit)
        return try rows(unconfigured)
    }

    private func rows(_ s: SQLiteStatement) throws(SQLiteError) -> [QueuedDelivery] {
        var out: [QueuedDelivery] = []
        while try s.step() {
            out.append(QueuedDelivery(id: s.int64(0), eventSeq: s.int64(1), route: s.string(2), target: s.string(3),
                                      attempts: s.int(4), dueMilliseconds: s.int64(5), event: nil, attemptBase: s.int(6),
                                      source: s.string(7), eventID: s.string(8), createdMilliseconds: s.int64(9)))
        }
        return out
    }

    enum LoadError: Error, CustomStringConvertible {
        case missing
        case unsealable(UnsealError)
        case store(SQLiteError)
        /// Another store's read failed (PostgreSQL), with its sentence.
        case unreadable(String)

        var description: String {
            switch self {
            case .unreadable(let d): return d
            case .missing: return "the event is no longer in the store (purged by retention?)"
            case .unsealable(let e): return e.description
            case .store(let e): return e.description
            }
        }
    }

    /// The events of `seqs` as stored, opened when sealed: one query (one read transaction) for all,
    /// where a query per delivery cost a transaction each. A seq the store no longer holds is `.missing`.
    func load(seqs: [Int64]) -> [Int64: Result<StoredEvent, LoadError>] {
        var out: [Int64: Result<StoredEvent, LoadError>] = [:]
        guard !seqs.isEmpty else { return out }
        out.reserveCapacity(seqs.count)
        defer { events.reset() }
        events.bind(1, StoreCodec.jsonArray(seqs))
        do {
            let segments = OpenSegments()
            while try events.step() { out[events.int64(0)] = Self.storedEvent(events, codec: codec, log: log, segments: segments) }
        } catch {
            for seq in seqs where out[seq] == nil { out[seq] = .failure(.store(error)) }
        }
        for seq in seqs where out[seq] == nil { out[seq] = .failure(.missing) }
        return out
    }

    /// One event as stored, opened when sealed (the admin API's redaction reads it back).
    func load(seq: Int64) throws(LoadError) -> StoredEvent {
        switch load(seqs: [seq])[seq] {
        case .success(let e)?: return e
        case .failure(let error)?: throw error
        case nil: throw .missing
        }
    }

    /// The columns `storedEvent(_:codec:)` reads, in its order.
    static let eventColumns = "seq, source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed, log_segment, log_offset, log_length"

    /// The event row `s` is on (selected as `eventColumns`), opened: its blobs from the body log, or
    /// from the row when it was stored before the log (schema 8).
    static func storedEvent(_ s: SQLiteStatement, codec: StoreCodec, log: BodyLogReader, segments: OpenSegments) -> Result<StoredEvent, LoadError> {
        let source = s.string(1), id = s.string(2)
        let sealed = s.int(10) == 1
        var blobs = (headers: s.blob(7), attributes: s.blob(8), body: s.blob(9))
        if !s.isNull(11) {
            do {
                let r = try log.read(segment: s.int64(11), offset: s.int64(12), length: s.int(13), in: segments)
                guard r.seq == s.int64(0) else {
                    let path = BodyLog.path(directory: log.directory, segment: s.int64(11))
                    return .failure(.unreadable(BodyLogReader.ReadError.damaged(path).description))
                }
                blobs = (r.headers, r.attributes, r.body)
            } catch .missing {
                return .failure(.missing)
            } catch {
                return .failure(.unreadable(error.description))
            }
        }
        do {
            let headers = try codec.open(blobs.headers, sealed: sealed, source: source, eventID: id, part: "headers")
            let attributes = try codec.open(blobs.attributes, sealed: sealed, source: source, eventID: id, part: "attributes")
            let body = try codec.open(blobs.body, sealed: sealed, source: source, eventID: id, part: "body")
            return .success(StoredEvent(source: source, eventID: id, type: s.string(3), time: Timestamp(milliseconds: s.int64(4)),
                                        receivedAt: Timestamp(milliseconds: s.int64(5)), contentType: s.string(6),
                                        headers: StoreCodec.decodeHeaders(headers), attributes: StoreCodec.decodeAttributes(attributes),
                                        body: body, deliveries: []))
        } catch {
            return .failure(.unsealable(error))
        }
    }
}

extension StoredEvent {
    /// The normalised event again, for bodies and templates: the body is re-parsed when asked (it was
    /// valid JSON when accepted; a non-JSON body gives `null` data, and `raw` bodies do not need it).
    func event(parsingData: Bool = true) -> Event {
        Event(id: eventID, source: source, type: type, time: time, receivedAt: receivedAt, headers: headers, attributes: attributes,
              data: parsingData ? ((try? JSONValue.parse(body)) ?? .null) : .null, body: body, contentType: contentType)
    }
}
