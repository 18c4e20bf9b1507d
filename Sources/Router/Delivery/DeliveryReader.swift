import Rules

/// The engine's read-only view of the store: due deliveries per target, and events by seq.
/// Its own connection, used by the engine thread only (WAL lets it read beside the writer).
final class DeliveryReader {
    private let db: SQLiteDatabase
    private let codec: StoreCodec
    private let due: SQLiteStatement
    private let unconfigured: SQLiteStatement
    private let event: SQLiteStatement

    init(path: String, codec: StoreCodec) throws(SQLiteError) {
        db = try SQLiteDatabase(path: path, readOnly: true)
        self.codec = codec
        due = try db.prepare("""
            SELECT d.id, d.event_seq, d.route, d.target, d.attempts, d.next_attempt_ms, d.attempt_base, e.source, e.event_id
            FROM deliveries d LEFT JOIN events e ON e.seq = d.event_seq
            WHERE d.status = 'pending' AND d.target = ?1 AND d.next_attempt_ms <= ?2
            ORDER BY d.next_attempt_ms, d.id LIMIT ?3
            """)
        unconfigured = try db.prepare("""
            SELECT d.id, d.event_seq, d.route, d.target, d.attempts, d.next_attempt_ms, d.attempt_base, e.source, e.event_id
            FROM deliveries d LEFT JOIN events e ON e.seq = d.event_seq
            WHERE d.status = 'pending' AND d.target NOT IN (SELECT value FROM json_each(?1)) LIMIT ?2
            """)
        event = try db.prepare("""
            SELECT source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed
            FROM events WHERE seq = ?1
            """)
    }

    /// One target's pending deliveries due by `horizon`, oldest first.
    func dueDeliveries(target: String, by horizon: Int64, limit: Int) throws(SQLiteError) -> [QueuedDelivery] {
        defer { due.reset() }
        due.bind(1, target)
        due.bind(2, horizon)
        due.bind(3, limit)
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
                                      source: s.string(7), eventID: s.string(8)))
        }
        return out
    }

    enum LoadError: Error, CustomStringConvertible {
        case missing
        case unsealable(UnsealError)
        case store(SQLiteError)

        var description: String {
            switch self {
            case .missing: return "the event is no longer in the store (purged by retention?)"
            case .unsealable(let e): return e.description
            case .store(let e): return e.description
            }
        }
    }

    /// The event as stored, opened when sealed.
    func load(seq: Int64) throws(LoadError) -> StoredEvent {
        defer { event.reset() }
        event.bind(1, seq)
        do {
            guard try event.step() else { throw LoadError.missing }
        } catch let e as SQLiteError {
            throw .store(e)
        } catch {
            throw .missing
        }
        let source = event.string(0), id = event.string(1)
        let sealed = event.int(9) == 1
        do {
            let headers = try codec.open(event.blob(6), sealed: sealed, source: source, eventID: id, part: "headers")
            let attributes = try codec.open(event.blob(7), sealed: sealed, source: source, eventID: id, part: "attributes")
            let body = try codec.open(event.blob(8), sealed: sealed, source: source, eventID: id, part: "body")
            return StoredEvent(source: source, eventID: id, type: event.string(2), time: Timestamp(milliseconds: event.int64(3)),
                               receivedAt: Timestamp(milliseconds: event.int64(4)), contentType: event.string(5),
                               headers: StoreCodec.decodeHeaders(headers), attributes: StoreCodec.decodeAttributes(attributes),
                               body: body, deliveries: [])
        } catch {
            throw .unsealable(error)
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
