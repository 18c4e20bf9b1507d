import Rules

/// How a client's messages leave: a WebSocket, an event stream, or the answer to a long-poll.
protocol StreamOutlet: AnyObject {
    /// Whether a message written now goes out without piling up in memory.
    var canWrite: Bool { get }
    func write(_ message: StreamMessage)
    /// Ends the connection, telling the client why when the transport can.
    func close(reason: StreamClient.CloseReason)
    /// A long-poll answers what it has collected; streams have nothing to do.
    func endOfBatch()
    /// Closed or answered: the hub forgets the client.
    var isFinished: Bool { get }
}

/// One connected listener of a stream: what it listens to, where it is in the stream, and the
/// messages waiting for it. Owned by the hub, loop thread only.
final class StreamClient {
    enum CloseReason: String {
        case idle, slow, expired, removed, shutdown, protocolError = "protocol_error", gone, answered
    }

    let id: Int
    let stream: String
    let settings: StreamSettings
    let grant: StreamRequest.Grant
    /// "websocket", "sse" or "poll", for metrics.
    let transport: String
    /// Held until the hub forgets the client (a long-poll's outlet has no other owner); then nil, which
    /// also breaks the session ↔ client cycle.
    var outlet: StreamOutlet?
    /// Set while the client is read up from the store: live messages are skipped (the store has them
    /// too, and a later chunk reads them) until the reading reaches the live edge.
    var catchingUp: CatchUp?
    /// Messages not yet written, oldest first.
    private(set) var queue: [StreamMessage] = []
    private var queueStart = 0
    /// Ordinary events dropped since the client was last told.
    private var dropped = 0
    /// Every ordinary event dropped for this client (metrics).
    private(set) var droppedTotal = 0
    /// The last event id given to the outlet.
    private(set) var lastSent: Int64

    struct CatchUp {
        /// Read from the store after this seq.
        var after: Int64
        /// A read is out; its answer is awaited.
        var reading = false
        /// The first read also checks the replay window.
        var first = true
    }

    init(id: Int, stream: String, settings: StreamSettings, grant: StreamRequest.Grant, transport: String, outlet: StreamOutlet, after: Int64?, liveEdge: Int64) {
        self.id = id
        self.stream = stream
        self.settings = settings
        self.grant = grant
        self.transport = transport
        self.outlet = outlet
        lastSent = after ?? liveEdge
        if let after, after < liveEdge { catchingUp = CatchUp(after: after) }
    }

    var waiting: Int { queue.count - queueStart }

    func wants(group: String) -> Bool {
        guard let groups = grant.groups else { return true }
        return groups.contains(group)
    }

    /// A live message: written now, queued, or (for a slow client) dropped by priority.
    /// Returns false when the client must be closed as too slow.
    func offer(_ message: StreamMessage) -> Bool {
        if catchingUp != nil { return true }
        return enqueue(message)
    }

    /// Appends to the queue, dropping ordinary events first when it is full; false when only critical
    /// messages are waiting and a critical one does not fit.
    func enqueue(_ message: StreamMessage) -> Bool {
        if waiting >= settings.queueMessages {
            if let i = queue[queueStart...].firstIndex(where: { !$0.isCritical }) {
                queue.remove(at: i)
                dropped += 1
                droppedTotal += 1
            } else if !message.isCritical {
                dropped += 1
                droppedTotal += 1
                return true
            } else {
                return false
            }
        }
        queue.append(message)
        pump()
        return true
    }

    /// Writes waiting messages while the outlet takes them, a notice of drops first.
    func pump() {
        guard let outlet else { return }
        while waiting > 0, outlet.canWrite {
            if dropped > 0 {
                var o = JSONObject()
                o["count"] = .number(JSONNumber(dropped))
                o["detail"] = .string("the connection read too slowly; \(dropped) ordinary event\(dropped == 1 ? " was" : "s were") dropped (critical ones are kept)")
                dropped = 0
                outlet.write(StreamMessage(control: "dropped", fields: o))
                continue
            }
            let m = queue[queueStart]
            queueStart += 1
            if m.kind == .event { lastSent = m.seq }
            outlet.write(m)
        }
        if queueStart == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueStart = 0
        } else if queueStart > 64, queueStart * 2 > queue.count {
            queue.removeFirst(queueStart)
            queueStart = 0
        }
    }
}
