import Rules

/// An event as the store keeps it, with the deliveries its routing asked for.
struct StoredEvent: Sendable {
    var source: String
    var eventID: String
    var type: String
    var time: Timestamp
    var receivedAt: Timestamp
    var contentType: String
    var headers: [HTTPField]
    var body: [UInt8]
    var deliveries: [PlannedDelivery]
}

/// One (route, target) pair a match produced; names, so it outlives the table it came from.
struct PlannedDelivery: Sendable, Hashable {
    var route: String
    var target: String
}

/// What became of a submitted event. Only `.stored` and `.duplicate` may be answered 2xx.
enum StoreOutcome: Sendable {
    case stored(seq: Int64, deliveries: Int)
    /// The source already holds this event id; nothing new was written.
    case duplicate
    /// Not on disk (disk full, I/O error): answer 503 so the provider retries.
    case unavailable(String)
}

/// Where events live. The server talks to this, so a PostgreSQL store can stand in for SQLite later.
protocol EventStore: AnyObject, Sendable {
    /// Queues the event; `completion` runs (on a store thread) once it is durable, or known not to be.
    func submit(_ event: StoredEvent, completion: @escaping @Sendable (StoreOutcome) -> Void)
    /// Writes what is queued, then stops. Submissions after this are answered `.unavailable`.
    func close()
}
