import Rules

/// Reads a reconnecting client's missed events from the store, a chunk at a time, on a thread of its
/// own with its own read connection (WAL lets it read beside the writer), so the ingest loop never
/// waits on a disk read. Events are matched again against the running table to find what the stream
/// receives: the same function that made the live messages.
final class StreamReplayReader: Sendable {
    struct Request: Sendable {
        let client: Int
        let stream: String
        /// Every event as a summary (the admin feed), not the pushes of a stream target.
        let summary: Bool
        let groups: Set<String>?
        /// Read events with seq in (after, upTo].
        let after: Int64
        let upTo: Int64
        /// Events received before this (ms since the epoch) are outside the replay window.
        let windowStart: Int64
        /// The first read of a client: also says whether events before the window were missed.
        let checkWindow: Bool
        /// Messages to return at most: the room in the client's queue, so a read never makes it drop.
        let maxMessages: Int
    }

    struct Chunk: Sendable {
        let client: Int
        let messages: [(seq: Int64, push: StreamPush)]
        /// Every event up to this seq was looked at.
        let readThrough: Int64
        /// The read reached `upTo`.
        let reachedEnd: Bool
        /// Set when events after the client's id were older than the window: reading resumed after this seq.
        let gapSkippedThrough: Int64?
        let error: String?
    }

    /// Rows looked at per chunk (matched or not), which bounds one read's time and memory.
    static let rowsPerChunk = 256

    private let requests = BlockingQueue<Request>()
    private let thread: OSThread
    /// The store's last seq at start: the live edge before anything is published.
    let lastSeqAtStart: Int64

    init(path: String, codec: StoreCodec, config: LiveConfig, deliver: @escaping @Sendable (Chunk) -> Void) throws(SQLiteError) {
        let db = try SQLiteDatabase(path: path, readOnly: true)
        lastSeqAtStart = try db.scalar("SELECT coalesce(max(seq), 0) FROM events")
        let range = try db.prepare("SELECT \(DeliveryReader.eventColumns) FROM events WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3")
        let firstInWindow = try db.prepare("SELECT min(seq) FROM events WHERE received_ms >= ?1")
        let lastBefore = try db.prepare("SELECT max(seq) FROM events WHERE seq > ?1 AND seq < ?2")
        let queue = requests
        let box = UncheckedBox((db, range, firstInWindow, lastBefore))
        thread = OSThread(name: "stream-replay") {
            let (db, range, firstInWindow, lastBefore) = box.value
            _ = db
            while let batch = queue.popBatch(max: 16) {
                for r in batch {
                    deliver(Self.read(r, range: range, firstInWindow: firstInWindow, lastBefore: lastBefore, codec: codec, table: config.table))
                }
            }
        }
    }

    func submit(_ request: Request) { requests.push(request) }

    func stop() {
        requests.close()
        thread.join()
    }

    private static func read(_ r: Request, range: SQLiteStatement, firstInWindow: SQLiteStatement, lastBefore: SQLiteStatement,
                             codec: StoreCodec, table: RouteTable) -> Chunk {
        var after = r.after
        var gap: Int64?
        do {
            if r.checkWindow {
                // The first seq inside the window; anything between the client's id and it was missed.
                defer { firstInWindow.reset(); lastBefore.reset() }
                firstInWindow.bind(1, r.windowStart)
                _ = try firstInWindow.step()
                let first = firstInWindow.isNull(0) ? r.upTo + 1 : firstInWindow.int64(0)
                if first > after + 1 {
                    lastBefore.bind(1, after)
                    lastBefore.bind(2, first)
                    _ = try lastBefore.step()
                    if !lastBefore.isNull(0) {
                        gap = lastBefore.int64(0)
                        after = lastBefore.int64(0)
                    }
                }
            }
            defer { range.reset() }
            range.bind(1, after)
            range.bind(2, r.upTo)
            range.bind(3, rowsPerChunk)
            var messages: [(Int64, StreamPush)] = []
            var rows = 0
            var through = after
            var full = false
            while !full, try range.step() {
                rows += 1
                through = range.int64(0)
                guard case .success(let stored) = DeliveryReader.storedEvent(range, codec: codec),
                      let source = table.sourceIndex(named: stored.source) else { continue }
                let event = stored.event()
                let matches = table.match(event, source: source)
                if r.summary {
                    messages.append((through, StreamPush.summary(of: event, matches: matches, table: table, stream: r.stream)))
                } else {
                    for push in StreamPush.pushes(for: event, matches: matches, table: table, only: r.stream)
                    where r.groups == nil || r.groups!.contains(push.group) {
                        messages.append((through, push))
                    }
                }
                full = messages.count >= r.maxMessages
            }
            let end = !full && rows < rowsPerChunk
            return Chunk(client: r.client, messages: messages, readThrough: end ? r.upTo : through, reachedEnd: end, gapSkippedThrough: gap, error: nil)
        } catch {
            return Chunk(client: r.client, messages: [], readThrough: after, reachedEnd: false, gapSkippedThrough: gap, error: error.description)
        }
    }
}

/// Hands non-Sendable values to the one thread that will own them from then on.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
