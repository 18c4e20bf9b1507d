import Rules

/// An event as the store keeps it, with the deliveries its routing asked for. A class: one event is
/// handed from ingest to the writer, to the delivery engine and into each of its deliveries, and a
/// reference costs one retain where a copy of ten fields cost one per field.
final class StoredEvent: Sendable {
    let source: String
    let eventID: String
    let type: String
    let time: Timestamp
    let receivedAt: Timestamp
    let contentType: String
    let headers: [HTTPField]
    let attributes: JSONObject
    let body: [UInt8]
    let deliveries: [PlannedDelivery]

    init(source: String, eventID: String, type: String, time: Timestamp, receivedAt: Timestamp, contentType: String,
         headers: [HTTPField], attributes: JSONObject, body: [UInt8], deliveries: [PlannedDelivery]) {
        self.source = source
        self.eventID = eventID
        self.type = type
        self.time = time
        self.receivedAt = receivedAt
        self.contentType = contentType
        self.headers = headers
        self.attributes = attributes
        self.body = body
        self.deliveries = deliveries
    }
}

/// A delivery row just committed, handed to the delivery engine with its event so the first attempt
/// needs no read of the store.
struct NewDelivery: Sendable {
    let id: Int64
    let eventSeq: Int64
    let route: String
    let target: String
    let event: StoredEvent
}

/// One (route, target) pair a match produced; names, so it outlives the table it came from.
struct PlannedDelivery: Sendable, Hashable {
    var route: String
    var target: String
}

/// What became of a submitted event. Only `.stored` and `.duplicate` may be answered 2xx.
enum StoreOutcome: Sendable {
    case stored(seq: Int64, deliveries: [NewDelivery])
    /// The source already holds this event id; nothing new was written.
    case duplicate
    /// Not on disk (disk full, I/O error): answer 503 so the provider retries.
    case unavailable(String)
}

/// Where events live. The server talks to this, so a PostgreSQL store can stand in for SQLite later.
protocol EventStore: AnyObject, Sendable {
    /// Queues the event; `completion` runs (on a store thread) once it is durable, or known not to be.
    func submit(_ event: StoredEvent, completion: @escaping @Sendable (StoreOutcome) -> Void)
    /// Records delivery attempts and their deliveries' new state, in order; written with the next batch.
    /// `settled` moves the store's cursor: every delivery of an event up to `through` has been
    /// delivered or is in a record written no later than this one, so one without a row was delivered;
    /// so were those in `deliveredAbove`.
    func record(_ attempts: [AttemptRecord], settled: SettledState?)
    /// Writes what is queued, then stops. Submissions after this are answered `.unavailable`.
    func close()
    /// Whether the disk reserve is out (a full disk: new events are refused until it is made again);
    /// nil for a store without one.
    var diskReserveReleased: Bool? { get }
}

extension EventStore {
    var diskReserveReleased: Bool? { nil }
}

/// The state a delivery can be in.
enum DeliveryStatus: String, Sendable, CaseIterable {
    /// Waiting for its next attempt (`next_attempt_ms`).
    case pending
    case delivered
    /// Out of attempts, or the target answered 410: kept for replay.
    case dead
    /// Its route or target was removed by a reload: kept for replay.
    case orphaned
}

/// The outcome of one attempt, and what the delivery becomes.
struct AttemptRecord: Sendable {
    let deliveryID: Int64
    /// The delivery's identity and creation time: its row is created by its first record.
    let eventSeq: Int64
    let route: String
    let target: String
    let createdMilliseconds: Int64
    let attempt: Int
    let startedAt: Timestamp
    let durationMilliseconds: Int64
    /// The target's status code; nil when no answer came (timeout, refused, reset).
    let statusCode: Int?
    /// The first 1 KiB of the answer.
    let response: [UInt8]
    let error: String?
    let newStatus: DeliveryStatus
    /// When to try again (pending only).
    let nextAttemptAt: Timestamp?
    /// False when only the delivery's state changes (orphaned, unreadable event, a backlog given a row):
    /// no attempt row.
    let logged: Bool
    /// Tell the engine once written, so it may pick the delivery up from the store again.
    let forgetAfterCommit: Bool
}
