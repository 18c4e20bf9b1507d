import CSQLite
import Rules
#if canImport(Glibc)
import Glibc
#endif

/// The SQLite store: WAL, `synchronous=FULL`, one writer thread that commits submissions in batches
/// (group commit). A completion runs only after its batch's COMMIT returned, so no answer gets ahead
/// of the disk; a failed commit fails the whole batch and the writer carries on.
final class SQLiteEventStore: EventStore, @unchecked Sendable {
    struct Submission {
        let event: StoredEvent
        let completion: @Sendable (StoreOutcome) -> Void
    }

    static let fileName = "hookrouter.db"
    /// Submissions written per transaction at most; bounds one commit's latency.
    static let maxBatch = 512

    let path: String
    private let queue = BlockingQueue<Submission>()
    private var thread: OSThread?
    private let codec: StoreCodec
    private let onStored: (@Sendable ([Int64]) -> Void)?

    /// Opens (creating and migrating) `DATA/hookrouter.db`. `onStored` gets each batch's new event seqs
    /// after their commit (the delivery engine's wake-up).
    init(directory: String, codec: StoreCodec, onStored: (@Sendable ([Int64]) -> Void)? = nil) throws(SQLiteError) {
        path = directory + "/" + Self.fileName
        self.codec = codec
        self.onStored = onStored
        let db = try Self.open(path: path)
        let writer = try Writer(db: db, codec: codec)
        let queue = self.queue
        let onStored = self.onStored
        thread = OSThread(name: "store-writer") {
            Self.writerLoop(queue: queue, writer: writer, onStored: onStored)
        }
    }

    /// Opens a connection with the store's pragmas and brings the schema up to date.
    static func open(path: String) throws(SQLiteError) -> SQLiteDatabase {
        let db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = FULL")
        try Schema.migrate(db)
        return db
    }

    func submit(_ event: StoredEvent, completion: @escaping @Sendable (StoreOutcome) -> Void) {
        if !queue.push(Submission(event: event, completion: completion)) {
            completion(.unavailable("the store is shutting down"))
        }
    }

    func close() {
        queue.close()
        thread?.join()
        thread = nil
    }

    private static func writerLoop(queue: BlockingQueue<Submission>, writer: Writer, onStored: (@Sendable ([Int64]) -> Void)?) {
        while let batch = queue.popBatch(max: maxBatch) {
            let outcomes = writer.write(batch.map(\.event))
            for (s, o) in zip(batch, outcomes) { s.completion(o) }
            if let onStored {
                let seqs = outcomes.compactMap { if case .stored(let seq, _) = $0 { return seq } else { return nil } }
                if !seqs.isEmpty { onStored(seqs) }
            }
        }
    }

    /// The writer thread's connection and statements.
    final class Writer: @unchecked Sendable {
        let db: SQLiteDatabase
        let codec: StoreCodec
        let insertEvent: SQLiteStatement
        let insertDelivery: SQLiteStatement
        let begin: SQLiteStatement
        let commit: SQLiteStatement

        init(db: SQLiteDatabase, codec: StoreCodec) throws(SQLiteError) {
            self.db = db
            self.codec = codec
            insertEvent = try db.prepare("""
                INSERT INTO events (source, event_id, type, time_ms, received_ms, content_type, headers, body, sealed)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (source, event_id) DO NOTHING
                """)
            insertDelivery = try db.prepare("""
                INSERT INTO deliveries (event_seq, route, target, status, next_attempt_ms, created_ms, updated_ms)
                VALUES (?1, ?2, ?3, 'pending', ?4, ?4, ?4)
                """)
            begin = try db.prepare("BEGIN IMMEDIATE")
            commit = try db.prepare("COMMIT")
        }

        /// One transaction for the batch; on any failure every submission of it is unavailable.
        func write(_ events: [StoredEvent]) -> [StoreOutcome] {
            var outcomes: [StoreOutcome] = []
            outcomes.reserveCapacity(events.count)
            do {
                try begin.run()
                for e in events { outcomes.append(try insert(e)) }
                try commit.run()
                return outcomes
            } catch {
                try? db.execute("ROLLBACK")
                Log.error("store write failed; answering 503 to \(events.count) request(s)", ["error": error.description])
                return events.map { _ in .unavailable(error.isStorageFault ? "the event store is unavailable" : "the event store failed") }
            }
        }

        private func insert(_ e: StoredEvent) throws(SQLiteError) -> StoreOutcome {
            insertEvent.bind(1, e.source)
            insertEvent.bind(2, e.eventID)
            insertEvent.bind(3, e.type)
            insertEvent.bind(4, e.time.milliseconds)
            insertEvent.bind(5, e.receivedAt.milliseconds)
            insertEvent.bind(6, e.contentType)
            insertEvent.bind(7, blob: codec.seal(StoreCodec.encodeHeaders(e.headers), source: e.source, eventID: e.eventID, part: "headers"))
            insertEvent.bind(8, blob: codec.seal(e.body, source: e.source, eventID: e.eventID, part: "body"))
            insertEvent.bind(9, codec.seals ? 1 : 0)
            try insertEvent.run()
            guard db.changes == 1 else { return .duplicate }
            let seq = db.lastInsertRowID
            for d in e.deliveries {
                insertDelivery.bind(1, seq)
                insertDelivery.bind(2, d.route)
                insertDelivery.bind(3, d.target)
                insertDelivery.bind(4, e.receivedAt.milliseconds)
                try insertDelivery.run()
            }
            return .stored(seq: seq, deliveries: e.deliveries.count)
        }
    }
}
