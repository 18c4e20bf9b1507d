import CSQLite
import Rules
#if canImport(Glibc)
import Glibc
#endif

/// The SQLite store: one writer thread that writes what is queued in batches (group commit): the new
/// events' records to the body log (`BodyLog`, flushed), then their rows and the batch's attempts in
/// one SQLite transaction (WAL, `synchronous=NORMAL`: the log is what makes the batch durable). A
/// completion runs only after both, so no answer gets ahead of the disk; a failed batch fails whole
/// and the writer carries on.
///
/// Delivery attempts are written by the same thread, in the same batches: one writer, no lock fights.
final class SQLiteEventStore: EventStore, @unchecked Sendable {
    enum Job {
        case ingest(StoredEvent, @Sendable (StoreOutcome) -> Void)
        /// Attempts in the order they finished: one job for a batch the delivery engine collected, with
        /// the engine's settled cursor (see `EventStore.record`).
        case attempts([AttemptRecord], settled: SettledState?)
        /// Retention: one purge batch, in its own transaction after the batch it was queued with.
        case purge(PurgeCutoffs, limit: Int, @Sendable (PurgeResult?) -> Void)
    }

    static let fileName = "hookrouter.db"
    /// Jobs written per transaction at most; bounds one commit's latency.
    static let maxBatch = 512
    /// WAL pages after which a commit checkpoints (why 256: see `open`); the writer's own commits
    /// leave it to the `Checkpointer`.
    static let walCheckpointPages = 256
    /// The WAL's file is cut back to this once it restarts. It never nears it in normal running (the
    /// writer checkpoints itself at 16 MiB); a reader's snapshot held through a burst (a long admin
    /// query) can grow it without bound, and without a limit that space stayed taken until a restart.
    static let walSizeLimit = 64 << 20

    let path: String
    private let queue = BlockingQueue<Job>()
    private var thread: OSThread?
    private var checkpointer: Checkpointer?
    private let reserve: DiskReserve

    /// Opens (creating and migrating) `DIRECTORY/hookrouter.db` and the body log `DIRECTORY/bodies`,
    /// indexes what the log holds beyond the rows, and loads the dedup window's keys.
    /// `dedupWindow` is read once per batch (a reload changes it). `reserveBytes` of the disk are kept
    /// in `DIRECTORY/disk-reserve` for the purge of a full disk (0: none; see `DiskReserve`);
    /// `reserveReleased`: it was deleted at start to write the pid file. `onCommit` gets each batch's new
    /// deliveries and settled attempts after their commit (the delivery engine's wake-up).
    init(directory: String, codec: StoreCodec, dedupWindow: @escaping @Sendable () -> Int64 = { Settings().dedupWindowMilliseconds },
         segmentBytes: Int64 = BodyLog.defaultSegmentBytes, reserveBytes: Int64 = 0, reserveReleased: Bool = false,
         onCommit: (@Sendable (_ fresh: [NewDelivery], _ settled: [Int64]) -> Void)? = nil) throws {
        path = directory + "/" + Self.fileName
        let db = try Self.open(path: path)
        // This connection's commits are not flushed: what a power cut takes, the log gives back.
        try db.execute("PRAGMA synchronous = NORMAL")
        let log = try BodyLog(directory: directory + "/" + BodyLog.directoryName, segmentBytes: segmentBytes)
        let reserve = DiskReserve(directory: directory, bytes: reserveBytes, released: reserveReleased)
        self.reserve = reserve
        let writer: StoreWriter
        do {
            writer = try StoreWriter(db: db, log: log, codec: codec, reserve: reserve, dedupWindow: dedupWindow)
        } catch let error as SQLiteError where error.isDiskFull && reserve.release() {
            // Start-up writes (recovery, the tail's rows); on a full disk they get the reserve's room.
            DiskReserve.logReleased("so the store can open", path: reserve.path)
            writer = try StoreWriter(db: db, log: log, codec: codec, reserve: reserve, dedupWindow: dedupWindow)
        }
        // After the writer's start-up (its recovery and migrations checkpoint inline, as before).
        let checkpointer = try Checkpointer(path: path)
        checkpointer.attach(to: db)
        self.checkpointer = checkpointer
        let queue = self.queue
        thread = OSThread(name: "store-writer") {
            while let batch = queue.popBatch(max: Self.maxBatch) {
                let (fresh, settled) = writer.write(batch)
                if let onCommit, !fresh.isEmpty || !settled.isEmpty { onCommit(fresh, settled) }
            }
        }
    }

    /// Opens a connection with the store's pragmas (`synchronous=FULL`: the admin API's and the CLI's
    /// replays are durable when answered) and brings the schema up to date.
    static func open(path: String) throws(SQLiteError) -> SQLiteDatabase {
        let db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = FULL")
        // A checkpoint runs inside the commit that crosses this many WAL pages, and its copy and fsync
        // delay that batch's answers. At SQLite's default of 1,000 pages that made ingest's p99 (17–21 ms
        // on the bench host); at 256 it is 7–9 ms, for the same throughput (BENCHMARKS.md).
        try db.execute("PRAGMA wal_autocheckpoint = \(walCheckpointPages)")
        try db.execute("PRAGMA journal_size_limit = \(walSizeLimit)")
        try Schema.migrate(db)
        return db
    }

    func submit(_ event: StoredEvent, completion: @escaping @Sendable (StoreOutcome) -> Void) {
        if !queue.push(.ingest(event, completion)) {
            completion(.unavailable("the store is shutting down"))
        }
    }

    func record(_ attempts: [AttemptRecord], settled: SettledState?) {
        // After close the attempts are lost; their deliveries stay pending and are tried again after a restart.
        guard !attempts.isEmpty || settled != nil else { return }
        queue.push(.attempts(attempts, settled: settled))
    }

    /// Runs one purge batch on the writer thread and waits for it; nil when the store is closing. A
    /// batch that failed (logged) purged nothing.
    func purge(_ cutoffs: PurgeCutoffs, limit: Int) -> PurgeResult? {
        let reply = BlockingQueue<PurgeResult?>()
        guard queue.push(.purge(cutoffs, limit: limit, { reply.push($0) })) else { return nil }
        return reply.popBatch(max: 1)?.first ?? nil
    }

    /// Nil when there is none (`reserveBytes` 0).
    var diskReserveReleased: Bool? { reserve.bytes > 0 ? reserve.isReleased : nil }

    func close() {
        queue.close()
        thread?.join()
        thread = nil
        checkpointer?.close()
        checkpointer = nil
    }
}
