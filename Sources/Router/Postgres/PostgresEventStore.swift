import Adapters
import HTTPServer
import Rules
import Synchronization

/// The PostgreSQL store (`settings.store: postgres://…`): several routers on one database. One writer
/// thread per router commits what is queued in batches; a completion runs only after its batch's
/// COMMIT returned (PostgreSQL's `synchronous_commit` makes that durable), so no answer gets ahead of
/// the database. Dedup is the database's: `(source, event_id)` is unique whichever router stored it.
/// A new delivery is leased to the router that stored it (it delivers it at once); its engine renews
/// the leases of what it holds, so another router takes a delivery over only once its holder stopped
/// renewing (it died, or lost the database) and the lease ran out.
///
/// When the database is down, every submission is answered `.unavailable` (503, providers retry)
/// and the writer reconnects with backoff.
final class PostgresEventStore: EventStore, @unchecked Sendable {
    enum Job {
        case ingest(StoredEvent, @Sendable (StoreOutcome) -> Void)
        case attempts([AttemptRecord])
    }

    /// Jobs per transaction at most.
    static let maxBatch = 256
    /// How long a lease lasts unrenewed: how soon a dead router's deliveries go to another. Renewed
    /// every quarter of it, so a live holder keeps its deliveries through any attempt's length.
    static let leaseMilliseconds: Int64 = 10_000

    /// `HOOKROUTER_STORE`, when it names a PostgreSQL store (it wins over `settings.store`; empty or
    /// `sqlite` keeps the file), for `serve` and the commands alike.
    static var environmentURL: String? {
        FileSystem.environment()["HOOKROUTER_STORE"].flatMap { $0.isEmpty || $0 == "sqlite" ? nil : $0 }
    }

    let url: String
    /// This router's name in leases (`host:pid:random`).
    let owner: String
    private let queue = BlockingQueue<Job>()
    private var thread: OSThread?

    /// Connects and migrates, or throws the sentence saying what to fix (a wrong password, a missing
    /// database). A server that does not answer is no reason not to start: the router answers 503 and
    /// the writer connects (and migrates) once it does, as after an outage.
    /// `onCommit` gets each batch's new deliveries and the ids of attempts recorded for deliveries the
    /// engine may forget, after their commit (as the SQLite store's).
    /// `dedupWindow` is read once per batch: a purged event's key counts while it is inside the window.
    /// `leases` learns of the leases each batch's new deliveries got (the engine then needs no round trip to know).
    init(url: String, codec: StoreCodec, owner: String, leases: PGLeaseBook = PGLeaseBook(),
         dedupWindow: @escaping @Sendable () -> Int64 = { Settings().dedupWindowMilliseconds },
         onCommit: (@Sendable (_ fresh: [NewDelivery], _ settled: [Int64]) -> Void)? = nil) throws(PGError) {
        self.url = url
        self.owner = owner
        var db: PGConnection?
        do {
            let c = try PGConnection(url: url)
            try PGSchema.migrate(c)
            db = c
        } catch .unreachable(let why) {
            Log.warn("the PostgreSQL store does not answer yet; answering 503 and connecting every second", ["error": why])
        }
        let box = UncheckedBox(PGWriter(url: url, db: db, codec: codec, owner: owner, leases: leases, dedupWindow: dedupWindow))  // the writer thread's from here on
        let queue = self.queue
        thread = OSThread(name: "pg-writer") {
            let writer = box.value
            while let batch = queue.popBatch(max: Self.maxBatch) {
                let (fresh, settled) = writer.write(batch)
                if let onCommit, !fresh.isEmpty || !settled.isEmpty { onCommit(fresh, settled) }
            }
        }
    }

    func submit(_ event: StoredEvent, completion: @escaping @Sendable (StoreOutcome) -> Void) {
        if !queue.push(.ingest(event, completion)) { completion(.unavailable("the store is shutting down")) }
    }

    func record(_ attempts: [AttemptRecord], settled: SettledState?) {
        guard !attempts.isEmpty else { return }  // every delivery has a row here: there is no settled cursor
        queue.push(.attempts(attempts))
    }

    func close() {
        queue.close()
        thread?.join()
        thread = nil
    }
}
